import type { DslStepInput, PipelineInputRef } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Eye, RefreshCw, SearchX } from 'lucide-react';
import { Alert } from '../../../../components/ui/alert.tsx';
import { Button } from '../../../../components/ui/button.tsx';
import { Card, CardHeader } from '../../../../components/ui/card.tsx';
import { EmptyState } from '../../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../../components/ui/error-state.tsx';
import { TableSkeleton } from '../../../../components/ui/skeleton.tsx';
import { Spinner } from '../../../../components/ui/spinner.tsx';
import { plural } from '../../../../lib/format.ts';
import { previewQuery } from '../../api/pipelines-api.ts';
import { placeIssues } from '../../lib/issues.ts';
import { RowsTable } from '../rows-table.tsx';

export const PREVIEW_ROWS = 50;

/**
 * The first 50 rows after a step, computed by the server on the study's real data (the steps up
 * to that one, never saved, never written anywhere).
 */
export function PreviewPanel({
  studyId,
  steps,
  inputs,
  step,
  onClose,
}: {
  studyId: string;
  steps: DslStepInput[];
  inputs: PipelineInputRef[];
  /** 0-based step to preview after, or null when none is picked. */
  step: number | null;
  onClose: () => void;
}) {
  const ready = step !== null && step < steps.length && inputs.length > 0;
  const body = { steps: steps.slice(0, (step ?? 0) + 1) };
  const query = useQuery(previewQuery(studyId, { body, inputs, step: step ?? 0, limit: PREVIEW_ROWS }, ready));
  const data = query.data;
  const issues = data ? placeIssues(data.issues) : [];

  return (
    <Card aria-label="Preview">
      <CardHeader
        title={
          step === null ? (
            'Preview'
          ) : (
            <span className="flex items-center gap-2">
              Preview after step {step + 1}
              {data?.dataset ? (
                <span className="font-mono text-xs font-normal text-muted-foreground">{data.dataset}</span>
              ) : null}
              {query.isFetching ? <Spinner className="size-3.5" label="Updating the preview" /> : null}
            </span>
          )
        }
        description={
          step === null
            ? 'Pick a step and press Preview to see the first 50 rows after it, on the study’s real data.'
            : data && data.total !== null
              ? `First ${Math.min(PREVIEW_ROWS, data.rows.length)} of ${plural(data.total, 'row')} · ${plural(data.columns.length, 'column')}. Nothing is saved.`
              : 'The first 50 rows after this step, on the study’s real data. Nothing is saved.'
        }
        actions={
          step === null ? null : (
            <>
              <Button variant="ghost" size="sm" onClick={() => query.refetch()} disabled={!ready || query.isFetching}>
                <RefreshCw />
                Refresh
              </Button>
              <Button variant="ghost" size="sm" onClick={onClose}>
                Close
              </Button>
            </>
          )
        }
      />
      {step === null ? (
        <EmptyState icon={Eye} title="Nothing previewed yet" className="py-8" />
      ) : inputs.length === 0 ? (
        <EmptyState
          icon={Eye}
          title="Add an input first"
          description="The preview reads the pipeline’s inputs."
          className="py-8"
        />
      ) : query.isPending ? (
        <TableSkeleton rows={6} columns={6} />
      ) : query.isError ? (
        <ErrorState
          error={query.error}
          what="the preview"
          onRetry={() => query.refetch()}
          retrying={query.isFetching}
        />
      ) : issues.length > 0 ? (
        <div className="space-y-2 p-5">
          <Alert tone="danger" title="This step cannot be previewed yet">
            <ul className="space-y-0.5">
              {issues.map((i) => (
                <li key={i.path + i.message}>
                  {i.step !== null ? `Step ${i.step + 1}: ` : ''}
                  {i.message}
                </li>
              ))}
            </ul>
          </Alert>
        </div>
      ) : query.data.rows.length === 0 ? (
        <EmptyState
          icon={SearchX}
          title="No rows after this step"
          description="The steps up to here keep no rows of the data. Check the conditions."
          className="py-8"
        />
      ) : (
        <RowsTable
          label={`Preview after step ${(step ?? 0) + 1}`}
          columns={query.data.columns}
          rows={query.data.rows}
          dimmed={query.isPlaceholderData}
        />
      )}
    </Card>
  );
}
