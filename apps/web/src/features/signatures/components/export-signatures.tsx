import type { DashboardExport } from '@cdp/contracts';
import { useMutation, useQuery } from '@tanstack/react-query';
import { FileCheck2, PenLine } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { useFeature } from '../../auth/hooks/use-me.ts';
import { downloadSignedExport } from '../../dashboards/api/exports-api.ts';
import { signaturesQuery } from '../api/signatures-api.ts';
import { SignatureBadges } from './signature-badges.tsx';
import { SignatureDialog } from './signature-dialog.tsx';

/**
 * A finished export's signatures: each verified against the file's SHA-256, "Sign" to add one, and
 * for a PDF the signed copy (the original plus a final "Electronic signatures" page) to download.
 */
export function ExportSignatures({
  studyId,
  dashboardId,
  exported,
}: {
  studyId: string;
  dashboardId: string;
  exported: DashboardExport;
}) {
  const enabled = useFeature('electronic_signatures');
  const resource = `export:${exported.id}`;
  const signed = useQuery({ ...signaturesQuery(resource), enabled });
  const [signing, setSigning] = useState(false);
  const download = useMutation({
    mutationFn: () => downloadSignedExport(studyId, dashboardId, exported),
    onSuccess: (file) => toast.success('Signed copy downloaded', { description: file }),
    onError: (error) => toast.error('Download failed', { description: errorMessage(error) }),
  });
  if (!enabled) return null;
  const count = signed.data?.data.length ?? 0;
  return (
    <div className="space-y-2 rounded-md border border-border p-3" data-testid="export-signatures">
      <p className="text-[13px] font-medium">Electronic signatures</p>
      {count === 0 ? (
        <p className="text-xs text-muted-foreground">
          Not signed. A signature is bound to this file’s SHA-256
          {exported.format === 'pdf' ? '; the signed copy adds a signature page to the PDF.' : '.'}
        </p>
      ) : null}
      <SignatureBadges resource={resource} />
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" size="sm" onClick={() => setSigning(true)}>
          <PenLine />
          Sign
        </Button>
        {exported.format === 'pdf' && count > 0 ? (
          <Button
            variant="secondary"
            size="sm"
            onClick={() => download.mutate()}
            loading={download.isPending}
            disabled={exported.downloadRefused !== null}
          >
            {download.isPending ? null : <FileCheck2 />}
            Download signed copy
          </Button>
        ) : null}
      </div>
      {signing ? (
        <SignatureDialog
          open
          onOpenChange={(open) => !open && setSigning(false)}
          resourceType="export"
          resourceId={exported.id}
          what={`the export ${exported.fileName ?? exported.id}`}
          defaultMeaning="Approval"
        />
      ) : null}
    </div>
  );
}
