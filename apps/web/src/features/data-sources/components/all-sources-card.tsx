import type { DataSource } from '@cdp/contracts';
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
                <TableHead className="hidden xl:table-cell">Last pull</TableHead>
                <TableHead className="hidden xl:table-cell">Schedule</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {query.data.data.map((s) => (
                <TableRow key={s.id}>
                  <TableCell className="whitespace-nowrap">
                    <Link
                      to="/studies/$studyId/data"
                      params={{ studyId: s.studyId }}
                      className="font-mono text-xs font-semibold text-primary hover:underline"
                    >
                      {s.studyCode}
                    </Link>
                  </TableCell>
                  {/* Bounded on narrow screens so its lines wrap inside the screen instead of widening the table. */}
                  <TableCell className="max-w-60 md:max-w-md xl:max-w-none">
                    <div className="flex flex-wrap items-center gap-2">
                      <span className="font-medium">{s.name}</span>
                      <Badge tone="neutral">{TYPE_LABELS[s.type]}</Badge>
                      {!s.enabled ? <Badge tone="muted">Disabled</Badge> : null}
                    </div>
                    <div className="max-w-80 truncate font-mono text-xs text-muted-foreground" title={whereOf(s)}>
                      {whereOf(s)}
                    </div>
                    {/* On a narrow screen the status and schedule columns would sit off screen: they come here. */}
                    <div className="mt-1.5 space-y-1 xl:hidden">
                      <LastPull source={s} />
                      <div className="text-xs text-muted-foreground">{scheduleText(s)}</div>
                    </div>
                  </TableCell>
                  <TableCell className="hidden xl:table-cell">
                    <LastPull source={s} />
                  </TableCell>
                  <TableCell className="hidden text-xs xl:table-cell">
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

/** The last pull's outcome, when, and for a failure why (the message names the source and file or request). */
function LastPull({ source }: { source: DataSource }) {
  if (source.activePullId) return <Badge tone="info">Pulling</Badge>;
  if (!source.lastPull) return <span className="text-xs text-muted-foreground">Never pulled</span>;
  return (
    <div className="space-y-0.5">
      <Badge tone={pullTone(source.lastPull.status)}>{STATUS_LABELS[source.lastPull.status]}</Badge>
      <div className="text-xs text-muted-foreground">{formatDateTime(source.lastPull.at)}</div>
      {source.lastPull.status === 'FAILED' && source.lastPull.message ? (
        <div className="line-clamp-2 max-w-80 text-xs text-destructive" title={source.lastPull.message}>
          {source.lastPull.message}
        </div>
      ) : null}
    </div>
  );
}
