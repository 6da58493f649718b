import type { DashboardExport } from '@cdp/contracts';
import { formatBytes } from '@cdp/contracts';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Download } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { downloadExport, listExports } from '../api/exports-api.ts';
import { ClearPhiBadge, DownloadRefused } from './export-phi.tsx';

/** How many of the dashboard's earlier exports the dialog lists. */
const SHOWN = 5;

/**
 * The dashboard's recent exports that can still be downloaded (anyone who may export the dashboard
 * sees them): which hold PHI in clear, and, for a reader not cleared for PHI, why theirs is refused.
 */
export function RecentExports({
  studyId,
  dashboardId,
  exclude,
}: {
  studyId: string;
  dashboardId: string;
  /** The export the dialog is showing already. */
  exclude: string | null;
}) {
  const list = useQuery({
    queryKey: ['dashboard-exports', studyId, dashboardId],
    queryFn: ({ signal }) => listExports(studyId, dashboardId, signal).then((r) => r.data),
  });
  const download = useMutation({
    mutationFn: (exported: DashboardExport) => downloadExport(studyId, dashboardId, exported),
    onSuccess: (file) => toast.success('Download ready', { description: `${file} was downloaded.` }),
    onError: (error) => toast.error('Download failed', { description: errorMessage(error) }),
  });
  const shown = (list.data ?? [])
    .filter((e) => e.status === 'SUCCEEDED' && e.available && e.id !== exclude)
    .slice(0, SHOWN);
  if (shown.length === 0) return null;
  return (
    <section className="space-y-2 border-t border-border pt-4" aria-label="Recent exports">
      <p className="text-[13px] font-medium">Recent exports</p>
      <ul className="space-y-3">
        {shown.map((e) => (
          <li key={e.id} className="flex flex-wrap items-start justify-between gap-2" data-testid="recent-export">
            <div className="min-w-0 flex-1 space-y-1">
              <p className="truncate text-[13px]" title={e.fileName ?? undefined}>
                {e.fileName}
              </p>
              <p className="text-xs text-muted-foreground">
                {e.requestedBy?.name ?? 'Someone'} · {new Date(e.finishedAt ?? e.createdAt).toLocaleString()} ·{' '}
                {formatBytes(e.bytes ?? 0)}
              </p>
              <ClearPhiBadge exported={e} />
              <DownloadRefused exported={e} />
            </div>
            <Button
              variant="secondary"
              size="sm"
              disabled={e.downloadRefused !== null}
              loading={download.isPending && download.variables?.id === e.id}
              onClick={() => download.mutate(e)}
              aria-label={`Download ${e.fileName ?? 'export'}`}
            >
              <Download />
              Download
            </Button>
          </li>
        ))}
      </ul>
    </section>
  );
}
