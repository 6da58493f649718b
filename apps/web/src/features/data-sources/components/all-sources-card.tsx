import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Download } from 'lucide-react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { allSourcesQuery } from '../api/data-sources-api.ts';
import { scheduleText } from '../lib/source-draft.ts';
import { pullTone, STATUS_LABELS, whereOf } from './sources-card.tsx';

const TYPE_LABELS = { rave: 'Rave', sftp: 'sFTP', folder: 'Folder' } as const;

/** The organization's data sources: every source of the studies the user can see, with its status and next run. */
export function AllSourcesCard() {
  const query = useQuery({ ...allSourcesQuery, refetchInterval: 10_000 });
  return (
    <Card>
      <CardHeader title="Data sources" description="Each study’s sources; add and pull them on the study’s Data tab." />
      {query.isPending ? (
        <TableSkeleton rows={2} columns={6} />
      ) : query.isError ? (
        <ErrorState
          error={query.error}
          what="data sources"
          onRetry={() => query.refetch()}
          retrying={query.isFetching}
        />
      ) : query.data.data.length === 0 ? (
        <EmptyState
          icon={Download}
          title="No data sources yet"
          description="Open a study’s Data tab and choose Add source to connect an sFTP server, a watched folder or Rave."
        />
      ) : (
        <div className="overflow-x-auto">
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Study</TableHead>
                <TableHead>Source</TableHead>
                <TableHead>Last pull</TableHead>
                <TableHead>Schedule</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {query.data.data.map((s) => (
                <TableRow key={s.id}>
                  <TableCell>
                    <Link
                      to="/studies/$studyId/data"
                      params={{ studyId: s.studyId }}
                      className="font-mono text-xs font-semibold text-primary hover:underline"
                    >
                      {s.studyCode}
                    </Link>
                  </TableCell>
                  <TableCell>
                    <div className="flex items-center gap-2">
                      <span className="font-medium">{s.name}</span>
                      <Badge tone="neutral">{TYPE_LABELS[s.type]}</Badge>
                      {!s.enabled ? <Badge tone="muted">Disabled</Badge> : null}
                    </div>
                    <div className="max-w-80 truncate font-mono text-xs text-muted-foreground" title={whereOf(s)}>
                      {whereOf(s)}
                    </div>
                  </TableCell>
                  <TableCell>
                    {s.activePullId ? (
                      <Badge tone="info">Pulling</Badge>
                    ) : s.lastPull ? (
                      <div className="space-y-0.5">
                        <Badge tone={pullTone(s.lastPull.status)}>{STATUS_LABELS[s.lastPull.status]}</Badge>
                        <div className="text-xs text-muted-foreground">{formatDateTime(s.lastPull.at)}</div>
                        {s.lastPull.status === 'FAILED' && s.lastPull.message ? (
                          <div className="line-clamp-2 max-w-80 text-xs text-destructive" title={s.lastPull.message}>
                            {s.lastPull.message}
                          </div>
                        ) : null}
                      </div>
                    ) : (
                      <span className="text-muted-foreground">Never</span>
                    )}
                  </TableCell>
                  <TableCell className="text-xs">
                    {s.schedule ? scheduleText(s) : <span className="text-muted-foreground">By hand</span>}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
    </Card>
  );
}
