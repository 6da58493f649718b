import { useMutation, useQuery } from '@tanstack/react-query';
import { createRoute, useNavigate } from '@tanstack/react-router';
import { Download, ScrollText, SearchX } from 'lucide-react';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { Button } from '../components/ui/button.tsx';
import { Card } from '../components/ui/card.tsx';
import { EmptyState } from '../components/ui/empty-state.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { Pagination } from '../components/ui/pagination.tsx';
import { TableSkeleton } from '../components/ui/skeleton.tsx';
import { toast } from '../components/ui/toaster.tsx';
import { type AuditFilters as ApiFilters, auditQuery, exportAudit } from '../features/audit/api/audit-api.ts';
import { AuditFilters, type AuditFilterValues } from '../features/audit/components/audit-filters.tsx';
import { AuditTable } from '../features/audit/components/audit-table.tsx';
import { ChainStatus } from '../features/audit/components/chain-status.tsx';
import { useResourceNames } from '../features/audit/hooks/use-resource-names.ts';
import { useCan } from '../features/auth/hooks/use-me.ts';
import { errorMessage } from '../lib/api-error.ts';
import { localDayToIso } from '../lib/format.ts';
import { appRoute } from './app.tsx';

const PAGE_SIZE = 50;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

interface ActivitySearch extends AuditFilterValues {
  page?: number;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim().slice(0, 254) : undefined;
}

export const activityRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/activity',
  validateSearch: (search: Record<string, unknown>): ActivitySearch => {
    const page = Number(search.page);
    const entries = {
      from: typeof search.from === 'string' && DAY.test(search.from) ? search.from : undefined,
      to: typeof search.to === 'string' && DAY.test(search.to) ? search.to : undefined,
      actor: text(search.actor),
      action: text(search.action),
      resourceType: text(search.resourceType),
      resourceId: text(search.resourceId),
      page: Number.isInteger(page) && page > 1 ? page : undefined,
    };
    return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
  },
  component: () => (
    <RequirePermission permission="audit:view:own">
      <ActivityPage />
    </RequirePermission>
  ),
});

/** URL filters (local days) → API filters (ISO instants). */
function toApiFilters({ page: _page, ...search }: ActivitySearch): ApiFilters {
  return {
    ...search,
    from: search.from ? localDayToIso(search.from, 'start') : undefined,
    to: search.to ? localDayToIso(search.to, 'end') : undefined,
  };
}

function ActivityPage() {
  const search = activityRoute.useSearch();
  const navigate = useNavigate({ from: '/activity' });
  const page = search.page ?? 1;
  const filters = toApiFilters(search);
  const query = useQuery(auditQuery(filters, page, PAGE_SIZE));
  const canExport = useCan('audit:export:own');
  const names = useResourceNames();
  const { page: _page, ...filterValues } = search;
  const filtered = Object.keys(filterValues).length > 0;

  const download = useMutation({
    mutationFn: () => exportAudit(filters),
    onSuccess: (name) =>
      toast.success('Export ready', { description: `${name} was downloaded. The export itself is recorded.` }),
    onError: (error) => toast.error('Export failed', { description: errorMessage(error) }),
  });

  return (
    <>
      <PageHeader
        title="Activity"
        description="The organization’s audit trail: every sign-in and change, who made it, when, and why. Entries can never be edited or deleted."
        actions={
          <>
            <ChainStatus />
            {canExport ? (
              <Button variant="secondary" onClick={() => download.mutate()} loading={download.isPending}>
                {download.isPending ? null : <Download />}
                Export CSV
              </Button>
            ) : null}
          </>
        }
      />
      <Card>
        <AuditFilters
          key={JSON.stringify(filterValues)}
          value={filterValues}
          onApply={(next) => navigate({ search: next })}
        />
        {query.isPending ? (
          <TableSkeleton rows={8} columns={6} />
        ) : query.isError ? (
          <ErrorState
            error={query.error}
            what="the audit trail"
            onRetry={() => query.refetch()}
            retrying={query.isFetching}
          />
        ) : query.data.data.length === 0 ? (
          filtered ? (
            <EmptyState
              icon={SearchX}
              title="No events match these filters"
              description="Widen the date range, or use an action prefix such as “auth.”."
              action={
                <Button variant="secondary" onClick={() => navigate({ search: {} })}>
                  Clear filters
                </Button>
              }
            />
          ) : (
            <EmptyState icon={ScrollText} title="No events yet" description="Sign-ins and changes will appear here." />
          )
        ) : (
          <div className={query.isPlaceholderData ? 'opacity-60 transition-opacity' : undefined}>
            <AuditTable events={query.data.data} names={names} />
            <Pagination
              page={page}
              pageSize={PAGE_SIZE}
              total={query.data.page.total}
              noun="events"
              onPageChange={(next) => navigate({ search: (prev) => ({ ...prev, page: next > 1 ? next : undefined }) })}
            />
          </div>
        )}
      </Card>
    </>
  );
}
