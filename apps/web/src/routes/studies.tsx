import { STUDY_PHASES, STUDY_STATUSES, type StudyStatus } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { createRoute, Link, useNavigate } from '@tanstack/react-router';
import { Plus, SearchX } from 'lucide-react';
import { useState } from 'react';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { Button } from '../components/ui/button.tsx';
import { Card } from '../components/ui/card.tsx';
import { EmptyState } from '../components/ui/empty-state.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { SearchInput } from '../components/ui/search-input.tsx';
import { Select } from '../components/ui/select.tsx';
import { TableSkeleton } from '../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../components/ui/table.tsx';
import { canCreateStudies, studiesQuery } from '../features/studies/api/studies-api.ts';
import { CreateStudyDialog } from '../features/studies/components/create-study-dialog.tsx';
import { NoStudiesState } from '../features/studies/components/no-studies-state.tsx';
import { StudyStatusBadge, studyStatusLabel } from '../features/studies/components/study-status-badge.tsx';
import { formatRelative } from '../lib/format.ts';
import { appRoute } from './app.tsx';

interface StudiesSearch {
  q?: string;
  status?: StudyStatus;
}

export const studiesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies',
  validateSearch: (search: Record<string, unknown>): StudiesSearch => ({
    ...(typeof search.q === 'string' && search.q ? { q: search.q } : {}),
    ...(STUDY_STATUSES.includes(search.status as StudyStatus) ? { status: search.status as StudyStatus } : {}),
  }),
  component: () => (
    <RequirePermission permission="study:view:assigned">
      <StudiesPage />
    </RequirePermission>
  ),
});

function StudiesPage() {
  const search = studiesRoute.useSearch();
  const navigate = useNavigate({ from: '/studies' });
  const query = useQuery(studiesQuery(search));
  const [creating, setCreating] = useState(false);
  const canCreate = canCreateStudies(query.data);
  const filtered = Boolean(search.q || search.status);
  const setSearch = (next: StudiesSearch) => navigate({ search: (prev) => ({ ...prev, ...next }), replace: true });

  return (
    <>
      <PageHeader
        title="Studies"
        description="Clinical studies you have access to. Open one to see its details, status history and activity."
        actions={
          canCreate ? (
            <Button onClick={() => setCreating(true)}>
              <Plus />
              New study
            </Button>
          ) : null
        }
      />
      <Card>
        <div className="flex flex-col gap-3 border-b border-border px-5 py-3 sm:flex-row sm:items-center">
          <SearchInput
            label="Search studies"
            placeholder="Search code, name or protocol"
            value={search.q ?? ''}
            onSearch={(q) => setSearch({ q: q || undefined })}
          />
          <Select
            aria-label="Status"
            className="sm:w-44"
            value={search.status ?? ''}
            onChange={(event) => setSearch({ status: (event.target.value || undefined) as StudyStatus | undefined })}
          >
            <option value="">All statuses</option>
            {STUDY_STATUSES.map((status) => (
              <option key={status} value={status}>
                {studyStatusLabel(status)}
              </option>
            ))}
          </Select>
          {query.data ? (
            <p className="text-[13px] text-muted-foreground sm:ml-auto" aria-live="polite">
              {query.data.data.length} {query.data.data.length === 1 ? 'study' : 'studies'}
            </p>
          ) : null}
        </div>
        {query.isPending ? (
          <TableSkeleton columns={5} />
        ) : query.isError ? (
          <ErrorState error={query.error} what="studies" onRetry={() => query.refetch()} retrying={query.isFetching} />
        ) : query.data.data.length === 0 ? (
          filtered ? (
            <EmptyState
              icon={SearchX}
              title="No studies match"
              description="Try another search term or status."
              action={
                <Button variant="secondary" onClick={() => navigate({ search: {}, replace: true })}>
                  Clear filters
                </Button>
              }
            />
          ) : (
            <NoStudiesState onCreate={canCreate ? () => setCreating(true) : null} />
          )
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Code</TableHead>
                <TableHead>Name</TableHead>
                <TableHead>Phase</TableHead>
                <TableHead>Therapeutic area</TableHead>
                <TableHead>Status</TableHead>
                <TableHead className="text-right">Updated</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {query.data.data.map((study) => (
                <TableRow
                  key={study.id}
                  className="cursor-pointer hover:bg-surface-muted"
                  onClick={() => navigate({ to: '/studies/$studyId', params: { studyId: study.id } })}
                >
                  <TableCell>
                    <Link
                      to="/studies/$studyId"
                      params={{ studyId: study.id }}
                      className="font-mono text-xs font-semibold text-primary hover:underline"
                      onClick={(event) => event.stopPropagation()}
                    >
                      {study.code}
                    </Link>
                  </TableCell>
                  <TableCell className="max-w-md">
                    <span className="line-clamp-1" title={study.name}>
                      {study.name}
                    </span>
                  </TableCell>
                  <TableCell className="whitespace-nowrap text-muted-foreground">{STUDY_PHASES[study.phase]}</TableCell>
                  <TableCell className="text-muted-foreground">{study.therapeuticArea ?? '—'}</TableCell>
                  <TableCell>
                    <StudyStatusBadge status={study.status} />
                  </TableCell>
                  <TableCell className="text-right whitespace-nowrap text-muted-foreground">
                    {formatRelative(study.updatedAt)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
      {canCreate ? <CreateStudyDialog open={creating} onOpenChange={setCreating} /> : null}
    </>
  );
}
