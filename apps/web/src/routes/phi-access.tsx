import { useMutation, useQuery } from '@tanstack/react-query';
import { createRoute, useNavigate } from '@tanstack/react-router';
import { Download, ShieldCheck } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { Button } from '../components/ui/button.tsx';
import { Card, CardHeader } from '../components/ui/card.tsx';
import { EmptyState } from '../components/ui/empty-state.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { Input } from '../components/ui/input.tsx';
import { Label } from '../components/ui/label.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { Pagination } from '../components/ui/pagination.tsx';
import { TableSkeleton } from '../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../components/ui/table.tsx';
import { toast } from '../components/ui/toaster.tsx';
import { useCan } from '../features/auth/hooks/use-me.ts';
import { exportPhiAccess, phiAccessQuery, phiReportQuery } from '../features/phi/api/phi-api.ts';
import { errorMessage } from '../lib/api-error.ts';
import { formatDateTime, localDayToIso } from '../lib/format.ts';
import { appRoute } from './app.tsx';

const PAGE_SIZE = 50;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

interface PhiAccessSearch {
  from?: string;
  to?: string;
  dataset?: string;
  page?: number;
}

export const phiAccessRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/activity/phi-access',
  validateSearch: (search: Record<string, unknown>): PhiAccessSearch => {
    const page = Number(search.page);
    const entries = {
      from: typeof search.from === 'string' && DAY.test(search.from) ? search.from : undefined,
      to: typeof search.to === 'string' && DAY.test(search.to) ? search.to : undefined,
      dataset:
        typeof search.dataset === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(search.dataset) ? search.dataset : undefined,
      page: Number.isInteger(page) && page > 1 ? page : undefined,
    };
    return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
  },
  component: () => (
    <RequirePermission permission="audit:view:own">
      <PhiAccessPage />
    </RequirePermission>
  ),
});

function Filters({ value, onApply }: { value: PhiAccessSearch; onApply: (next: PhiAccessSearch) => void }) {
  const [from, setFrom] = useState(value.from ?? '');
  const [to, setTo] = useState(value.to ?? '');
  const [dataset, setDataset] = useState(value.dataset ?? '');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(dataset.trim() ? { dataset: dataset.trim().toUpperCase() } : {}),
    });
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-3 border-b border-border px-5 py-4">
      <div className="flex flex-col gap-1">
        <Label htmlFor="phi-from">From</Label>
        <Input id="phi-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="phi-to">To</Label>
        <Input id="phi-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="phi-dataset">Dataset</Label>
        <Input
          id="phi-dataset"
          placeholder="DM"
          className="w-32"
          value={dataset}
          onChange={(e) => setDataset(e.target.value)}
        />
      </div>
      <Button type="submit" variant="secondary">
        Apply
      </Button>
    </form>
  );
}

/** Audit → PHI access: every answer that carried PHI in clear, and who read how much, per month. */
function PhiAccessPage() {
  const search = phiAccessRoute.useSearch();
  const navigate = useNavigate({ from: '/activity/phi-access' });
  const page = search.page ?? 1;
  const filter = {
    from: search.from ? localDayToIso(search.from, 'start') : undefined,
    to: search.to ? localDayToIso(search.to, 'end') : undefined,
    dataset: search.dataset,
  };
  const list = useQuery(phiAccessQuery({ ...filter, offset: (page - 1) * PAGE_SIZE }));
  const report = useQuery(phiReportQuery(filter));
  const canExport = useCan('audit:export:own');
  const download = useMutation({
    mutationFn: () => exportPhiAccess(filter),
    onSuccess: (name) =>
      toast.success('Export ready', { description: `${name} was downloaded. The export itself is recorded.` }),
    onError: (error) => toast.error('Export failed', { description: errorMessage(error) }),
  });
  const { page: _page, ...filterValues } = search;

  return (
    <>
      <PageHeader
        title="PHI access"
        description="Every answer that showed protected health information in clear: who, when, from where, which study, dataset and columns, how many rows, through which route. Entries can never be edited or deleted."
        actions={
          canExport ? (
            <Button variant="secondary" onClick={() => download.mutate()} loading={download.isPending}>
              {download.isPending ? null : <Download />}
              Export CSV
            </Button>
          ) : null
        }
      />
      <div className="space-y-6">
        <Card>
          <CardHeader title="Per user and month" description="Calendar months in UTC, over the filters below." />
          {report.isPending ? (
            <TableSkeleton rows={3} columns={5} />
          ) : report.isError ? (
            <ErrorState error={report.error} what="the report" onRetry={() => report.refetch()} />
          ) : report.data.data.length === 0 ? (
            <p className="px-5 py-4 text-[13px] text-muted-foreground">No PHI was read in clear in this period.</p>
          ) : (
            <Table aria-label="PHI access per user and month">
              <TableHeader>
                <TableRow>
                  <TableHead>Month</TableHead>
                  <TableHead>User</TableHead>
                  <TableHead className="text-right">Answers</TableHead>
                  <TableHead className="text-right">Rows</TableHead>
                  <TableHead className="text-right max-md:hidden">Studies</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {report.data.data.map((r) => (
                  <TableRow key={`${r.month}-${r.user?.id ?? r.apiKeyId}`}>
                    <TableCell className="font-mono text-xs">{r.month}</TableCell>
                    <TableCell>{r.user ? `${r.user.name} (${r.user.email})` : `API key ${r.apiKeyId ?? ''}`}</TableCell>
                    <TableCell className="text-right tabular-nums">{r.responses}</TableCell>
                    <TableCell className="text-right tabular-nums">{r.rows}</TableCell>
                    <TableCell className="text-right tabular-nums max-md:hidden">{r.studies}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </Card>
        <Card>
          <Filters
            key={JSON.stringify(filterValues)}
            value={filterValues}
            onApply={(next) => navigate({ search: next })}
          />
          {list.isPending ? (
            <TableSkeleton rows={8} columns={6} />
          ) : list.isError ? (
            <ErrorState error={list.error} what="the PHI access log" onRetry={() => list.refetch()} />
          ) : list.data.data.length === 0 ? (
            <EmptyState
              icon={ShieldCheck}
              title="No PHI access recorded"
              description="Answers that show PHI columns in clear appear here."
            />
          ) : (
            <>
              <Table aria-label="PHI access log">
                <TableHeader>
                  <TableRow>
                    <TableHead>When</TableHead>
                    <TableHead>Who</TableHead>
                    <TableHead>Study</TableHead>
                    <TableHead>Dataset and columns</TableHead>
                    <TableHead className="text-right">Rows</TableHead>
                    <TableHead className="max-xl:hidden">Route</TableHead>
                    <TableHead className="max-xl:hidden">From</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {list.data.data.map((e) => (
                    <TableRow key={e.id}>
                      <TableCell className="whitespace-nowrap">{formatDateTime(e.at, true)}</TableCell>
                      <TableCell>{e.user ? e.user.email : `API key ${e.apiKeyId ?? ''}`}</TableCell>
                      <TableCell className="font-mono text-xs">{e.studyCode ?? e.studyId}</TableCell>
                      <TableCell className="font-mono text-xs">
                        {e.dataset}: {e.columns.join(', ')}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">{e.rows}</TableCell>
                      <TableCell className="font-mono text-[11px] text-muted-foreground max-xl:hidden">
                        {e.route}
                      </TableCell>
                      <TableCell className="text-muted-foreground max-xl:hidden">{e.ip ?? ''}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
              <Pagination
                page={page}
                pageSize={PAGE_SIZE}
                total={list.data.page.total}
                noun="entries"
                onPageChange={(next) =>
                  navigate({ search: (prev) => ({ ...prev, page: next > 1 ? next : undefined }) })
                }
              />
            </>
          )}
        </Card>
      </div>
    </>
  );
}
