import type { SignatureDto } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { PenLine } from 'lucide-react';
import { Badge } from '../../../components/ui/badge.tsx';
import { useFeature } from '../../auth/hooks/use-me.ts';
import { signaturesQuery, verificationQuery } from '../api/signatures-api.ts';

/** The signatures of one record, each with its manifestation and whether the record still matches it. */
export function SignatureBadges({ resource }: { resource: string }) {
  const enabled = useFeature('electronic_signatures');
  const query = useQuery({ ...signaturesQuery(resource), enabled });
  if (!enabled || !query.data || query.data.data.length === 0) return null;
  return (
    <ul className="mt-1.5 space-y-1" aria-label="Signatures">
      {query.data.data.map((signature) => (
        <SignatureLine key={signature.id} signature={signature} />
      ))}
    </ul>
  );
}

function SignatureLine({ signature }: { signature: SignatureDto }) {
  const verification = useQuery(verificationQuery(signature.id));
  const status = verification.data?.data.status;
  return (
    <li className="flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
      <PenLine className="size-3.5" aria-hidden />
      <span>
        <span className="font-medium text-foreground">{signature.meaning}</span> · {signature.signerName} ·{' '}
        {signature.signedAtLocal}
      </span>
      {status === 'valid' ? (
        <Badge tone="success" title="The record is exactly as it was signed">
          valid
        </Badge>
      ) : status === 'changed' ? (
        <Badge tone="danger" title={verification.data?.data.message}>
          record changed after signing
        </Badge>
      ) : (
        <Badge tone="neutral">checking…</Badge>
      )}
    </li>
  );
}
