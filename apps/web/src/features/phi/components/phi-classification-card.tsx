import type { PhiClass, PhiSuggestion } from '@cdp/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ShieldAlert } from 'lucide-react';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { Checkbox } from '../../../components/ui/checkbox.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { classifyColumn, clearColumn, phiColumnsQuery, phiKeys, phiSuggestionsQuery } from '../api/phi-api.ts';

const CLASS_LABELS: Record<PhiClass, string> = { phi: 'PHI', sensitive: 'Sensitive' };

function ClassBadge({ value }: { value: PhiClass }) {
  return <Badge tone={value === 'phi' ? 'warning' : 'info'}>{CLASS_LABELS[value]}</Badge>;
}

/**
 * Study → Data: the columns classified as PHI or sensitive (for every version of the study) and,
 * for a study manager, the columns the rules take for PHI, to confirm or clear.
 */
export function PhiClassificationCard({ studyId, canDecide }: { studyId: string; canDecide: boolean }) {
  const client = useQueryClient();
  const [verbatims, setVerbatims] = useState(false);
  const columns = useQuery(phiColumnsQuery(studyId));
  const suggestions = useQuery({ ...phiSuggestionsQuery(studyId, verbatims), enabled: canDecide });
  const refresh = () => client.invalidateQueries({ queryKey: phiKeys.study(studyId) });
  // The viewer's masks and markers come from the rows: read them again after a change.
  const refreshData = () => client.invalidateQueries({ queryKey: ['data', studyId] });
  const classify = useMutation({
    mutationFn: (s: Pick<PhiSuggestion, 'dataset' | 'column' | 'classification'>) => classifyColumn(studyId, s),
    onSuccess: (_r, s) => {
      toast.success(`${s.dataset}.${s.column} is now ${CLASS_LABELS[s.classification]}`);
      refresh();
      refreshData();
    },
    onError: (error) => toast.error(error.message),
  });
  const clear = useMutation({
    mutationFn: (c: { dataset: string; column: string }) => clearColumn(studyId, c.dataset, c.column),
    onSuccess: (_r, c) => {
      toast.success(`${c.dataset}.${c.column} is no longer classified`);
      refresh();
      refreshData();
    },
    onError: (error) => toast.error(error.message),
  });
  const open = (suggestions.data?.data ?? []).filter((s) => s.confirmed === null);
  const clearForYou = columns.data?.meta.clear;

  return (
    <Card id="phi">
      <CardHeader
        title={
          <span className="flex items-center gap-2">
            <ShieldAlert className="size-4 text-amber-600" aria-hidden />
            PHI classification
          </span>
        }
        description={
          clearForYou === undefined
            ? 'Columns holding protected health information, for every version of this study.'
            : clearForYou
              ? 'Columns holding protected health information, for every version of this study. You see them in clear; each view is recorded in the PHI access log.'
              : 'Columns holding protected health information, for every version of this study. They are masked for you: dates show the year, text shows [PHI].'
        }
      />
      {columns.isPending ? (
        <TableSkeleton rows={2} columns={4} />
      ) : columns.isError ? (
        <ErrorState error={columns.error} what="the PHI classification" onRetry={() => columns.refetch()} />
      ) : columns.data.data.length === 0 ? (
        <EmptyState
          icon={ShieldAlert}
          title="No column is classified yet"
          description={
            !canDecide
              ? 'A study manager confirms which columns are PHI.'
              : open.length > 0
                ? 'Confirm the suggestions below.'
                : 'No column name or label in the active data suggests PHI.'
          }
        />
      ) : (
        <Table aria-label="Classified columns">
          <TableHeader>
            <TableRow>
              <TableHead>Column</TableHead>
              <TableHead>Class</TableHead>
              <TableHead className="max-md:hidden">Confirmed</TableHead>
              {canDecide ? <TableHead className="text-right">Action</TableHead> : null}
            </TableRow>
          </TableHeader>
          <TableBody>
            {columns.data.data.map((c) => (
              <TableRow key={`${c.dataset}.${c.column}`}>
                <TableCell className="font-mono text-xs">
                  {c.dataset}.{c.column}
                </TableCell>
                <TableCell>
                  <ClassBadge value={c.classification} />
                </TableCell>
                <TableCell className="text-muted-foreground max-md:hidden">
                  {c.confirmedBy?.name ?? 'someone'}, {formatDateTime(c.confirmedAt)}
                </TableCell>
                {canDecide ? (
                  <TableCell className="text-right">
                    <Button
                      size="sm"
                      variant="secondary"
                      disabled={clear.isPending}
                      onClick={() => clear.mutate({ dataset: c.dataset, column: c.column })}
                    >
                      Clear
                    </Button>
                  </TableCell>
                ) : null}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {canDecide ? (
        <div className="space-y-3 border-t border-border px-5 py-4">
          <div className="flex flex-wrap items-center justify-between gap-3">
            <h3 className="text-sm font-semibold">Suggestions from column names and labels</h3>
            <span className="flex items-center gap-2 text-[13px] text-muted-foreground">
              <Checkbox
                id="phi-verbatims"
                checked={verbatims}
                onCheckedChange={(checked) => setVerbatims(checked === true)}
              />
              <label htmlFor="phi-verbatims">Include free-text verbatims (COVAL, --TERM) as sensitive</label>
            </span>
          </div>
          {suggestions.isPending ? (
            <TableSkeleton rows={2} columns={3} />
          ) : suggestions.isError ? (
            <ErrorState error={suggestions.error} what="the suggestions" onRetry={() => suggestions.refetch()} />
          ) : open.length === 0 ? (
            <p className="text-[13px] text-muted-foreground">
              Nothing left to confirm in the active version's datasets.
            </p>
          ) : (
            <ul className="divide-y divide-border rounded-md border border-border" aria-label="Suggested columns">
              {open.map((s) => (
                <li key={`${s.dataset}.${s.column}`} className="flex flex-wrap items-center gap-3 px-3 py-2">
                  <span className="min-w-40 font-mono text-xs">
                    {s.dataset}.{s.column}
                  </span>
                  <ClassBadge value={s.classification} />
                  <span className="flex-1 text-[13px] text-muted-foreground">{s.reason}</span>
                  <Button
                    size="sm"
                    disabled={classify.isPending}
                    onClick={() => classify.mutate(s)}
                    aria-label={`Confirm ${s.dataset}.${s.column} as ${CLASS_LABELS[s.classification]}`}
                  >
                    Confirm
                  </Button>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </Card>
  );
}
