import type { SubjectListing } from '@cdp/contracts';
import { Check, Copy } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { toast } from '../../../components/ui/toaster.tsx';

/** Copies the subject ids on screen, one per line (to paste into a query or an e-mail to a site). */
export function CopyIdsButton({ listing }: { listing: SubjectListing }) {
  const [copied, setCopied] = useState(false);
  const index = Math.max(
    0,
    listing.columns.findIndex((c) => c.field === 'subject_id'),
  );
  const ids = [
    ...new Set(
      listing.rows
        .map((row) => row[index])
        .filter((v) => v !== null && v !== undefined)
        .map(String),
    ),
  ];
  return (
    <Button
      variant="secondary"
      size="sm"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(ids.join('\n'));
          setCopied(true);
          setTimeout(() => setCopied(false), 1600);
        } catch {
          toast.error('The browser did not allow copying. Select the ids and copy them by hand.');
        }
      }}
    >
      {copied ? <Check /> : <Copy />}
      {copied ? 'Copied' : `Copy ${ids.length === 1 ? 'id' : `${ids.length.toLocaleString()} ids`}`}
    </Button>
  );
}
