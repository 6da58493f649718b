import type { Study } from '@cdp/contracts';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Database } from 'lucide-react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useFeature } from '../../auth/hooks/use-me.ts';
import { AllSourcesCard } from '../../data-sources/components/all-sources-card.tsx';
import { studiesQuery } from '../../studies/api/studies-api.ts';
import { versionsQuery } from '../api/data-api.ts';
import { ActiveBadge } from './version-bits.tsx';

/** Every study the user can see, with where its data stands: active version, datasets, last load. */
export function DataSourcesOverview() {
  const studies = useQuery(studiesQuery({}));
  const list: Study[] = studies.data?.data.filter((s) => s.status !== 'archived') ?? [];
  const versions = useQueries({ queries: list.map((s) => ({ ...versionsQuery(s.id), retry: false })) });
  const uploads = useFeature('data_uploads');
  const filesOn = useFeature('sftp_connector');
  const raveOn = useFeature('rave_connector');
  const sourcesOn = filesOn || raveOn;

  return (
    <div className="space-y-6">
      {uploads ? (
        <Alert tone="info" title="Load data on a study’s Data tab">
          Upload a Rave extract ZIP or SAS, CSV, Excel, Parquet, ODM or Dataset-JSON files; each upload becomes an
          immutable version you can compare, activate and roll back. To have data arrive by itself, add an sFTP server,
          a watched folder or a Rave study under Data sources on the study’s Data tab.
        </Alert>
      ) : (
        <Alert tone="info" title="Data uploads are switched off">
          Your organization does not load data through uploads. Versions already loaded stay readable on each study’s
          Data tab.
        </Alert>
      )}
      {sourcesOn ? <AllSourcesCard /> : null}
      <Card>
        <CardHeader
          title="Studies and their data"
          description="The active version is what dashboards and pipelines read."
        />
        {studies.isPending ? (
          <TableSkeleton rows={3} columns={5} />
        ) : studies.isError ? (
          <ErrorState
            error={studies.error}
            what="studies"
            onRetry={() => studies.refetch()}
            retrying={studies.isFetching}
          />
        ) : list.length === 0 ? (
          <EmptyState
            icon={Database}
            title="No studies yet"
            description="Create a study, then load its data on its Data tab."
          />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Study</TableHead>
                <TableHead>Active version</TableHead>
                <TableHead className="text-right">Datasets</TableHead>
                <TableHead className="text-right">Versions</TableHead>
                <TableHead>Last load</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.map((study, i) => {
                const result = versions[i];
                const data = result?.data;
                const active = data?.data.find((v) => v.active);
                const latest = data?.data[0];
                return (
                  <TableRow key={study.id}>
                    <TableCell>
                      <Link
                        to="/studies/$studyId/data"
                        params={{ studyId: study.id }}
                        className="font-mono text-xs font-semibold text-primary hover:underline"
                      >
                        {study.code}
                      </Link>
                      <div className="line-clamp-1 max-w-96 text-xs text-muted-foreground" title={study.name}>
                        {study.name}
                      </div>
                    </TableCell>
                    <TableCell>
                      {result?.isPending ? (
                        <span className="text-muted-foreground">…</span>
                      ) : result?.isError ? (
                        <span className="text-muted-foreground">No access to data</span>
                      ) : active ? (
                        <span className="inline-flex items-center gap-2">
                          <span className="font-mono text-xs">{active.label}</span>
                          <ActiveBadge />
                        </span>
                      ) : (
                        <span className="text-muted-foreground">No data yet</span>
                      )}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{active ? active.datasets.length : '—'}</TableCell>
                    <TableCell className="text-right tabular-nums">{data ? data.data.length : '—'}</TableCell>
                    <TableCell>
                      {latest ? formatDateTime(latest.createdAt) : <span className="text-muted-foreground">—</span>}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </Card>
    </div>
  );
}
