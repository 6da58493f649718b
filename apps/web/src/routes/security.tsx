import { SECURITY_EVENT_KINDS, SECURITY_EVENT_LABELS, type SecurityEventKind } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { createRoute, useNavigate } from '@tanstack/react-router';
import { ShieldCheck } from 'lucide-react';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { Card } from '../components/ui/card.tsx';
import { EmptyState } from '../components/ui/empty-state.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { Label } from '../components/ui/label.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { Pagination } from '../components/ui/pagination.tsx';
import { Select } from '../components/ui/select.tsx';
import { TableSkeleton } from '../components/ui/skeleton.tsx';
import { useIsPlatformAdmin } from '../features/auth/hooks/use-me.ts';
import { securityEventsQuery } from '../features/security/api/security-api.ts';
import { SecurityTable } from '../features/security/components/security-table.tsx';
import { appRoute } from './app.tsx';

const PAGE_SIZE = 50;

interface SecuritySearch {
  kind?: SecurityEventKind;
  page?: number;
}

export const securityRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/security',
  validateSearch: (search: Record<string, unknown>): SecuritySearch => {
    const page = Number(search.page);
    const kind = SECURITY_EVENT_KINDS.find((k) => k === search.kind);
    return {
      ...(kind ? { kind } : {}),
      ...(Number.isInteger(page) && page > 1 ? { page } : {}),
    };
  },
  component: () => (
    <RequirePermission permission="organization:manage:own">
      <SecurityPage />
    </RequirePermission>
  ),
});

function SecurityPage() {
  const search = securityRoute.useSearch();
  const navigate = useNavigate({ from: '/security' });
  const platform = useIsPlatformAdmin();
  const page = search.page ?? 1;
  const query = useQuery(securityEventsQuery(platform ? 'platform' : 'organization', search.kind, page, PAGE_SIZE));

  return (
    <>
      <PageHeader
        title="Security log"
        description={
          platform
            ? 'Security events of every organization, in full: denied permissions, probes of another organization’s resources, invalid tokens, refresh-token reuse, rate limits and sign-in locks. Identical events within a minute are one row with a count.'
            : 'Denied permissions, sign-in locks, refresh-token reuse and rate limits of your users, and attempts from other organizations to reach your resources (who and from where stay with the platform operator). Identical events within a minute are one row with a count. Changes to data are in Activity.'
        }
      />
      <Card>
        <div className="flex flex-wrap items-end gap-3 border-b border-border p-4">
          <div className="grid w-full gap-1.5 sm:w-64">
            <Label htmlFor="security-kind">Event</Label>
            <Select
              id="security-kind"
              value={search.kind ?? ''}
              onChange={(e) =>
                navigate({ search: e.target.value ? { kind: e.target.value as SecurityEventKind } : {} })
              }
            >
              <option value="">All events</option>
              {SECURITY_EVENT_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {SECURITY_EVENT_LABELS[kind]}
                </option>
              ))}
            </Select>
          </div>
        </div>
        {query.isPending ? (
          <TableSkeleton rows={8} columns={6} />
        ) : query.isError ? (
          <ErrorState
            error={query.error}
            what="the security log"
            onRetry={() => query.refetch()}
            retrying={query.isFetching}
          />
        ) : query.data.data.length === 0 ? (
          <EmptyState
            icon={ShieldCheck}
            title={search.kind ? 'No events of this kind' : 'No security events'}
            description="Denied requests, invalid tokens and rate limits will appear here."
          />
        ) : (
          <div className={query.isPlaceholderData ? 'opacity-60 transition-opacity' : undefined}>
            <SecurityTable events={query.data.data} />
            <Pagination
              page={page}
              pageSize={PAGE_SIZE}
              total={query.data.page.total}
              noun="rows"
              onPageChange={(next) => navigate({ search: (prev) => ({ ...prev, page: next > 1 ? next : undefined }) })}
            />
          </div>
        )}
      </Card>
    </>
  );
}
