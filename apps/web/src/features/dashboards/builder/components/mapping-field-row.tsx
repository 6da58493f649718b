import type { DatasetSummary, MappingIssue, MappingSuggestion } from '@cdp/contracts';
import { AlertCircle, Sparkles } from 'lucide-react';
import { useId } from 'react';
import { Badge, type BadgeTone } from '../../../../components/ui/badge.tsx';
import { Tooltip } from '../../../../components/ui/tooltip.tsx';
import { ColumnPicker } from './column-picker.tsx';

export interface MappingFieldRowProps {
  field: string;
  label: string;
  required: boolean;
  description?: string;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
  dataset: DatasetSummary | undefined;
  population: DatasetSummary | undefined;
  candidates: MappingSuggestion[];
  issue: MappingIssue | undefined;
}

function confidenceTone(confidence: number): BadgeTone {
  if (confidence >= 0.8) return 'success';
  if (confidence >= 0.5) return 'info';
  return 'warning';
}

const same = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();

/** One field of the widget's data contract: its column, how sure the suggestion was, and what is wrong with it. */
export function MappingFieldRow({
  field,
  label,
  required,
  description,
  value,
  onChange,
  dataset,
  population,
  candidates,
  issue,
}: MappingFieldRowProps) {
  const id = useId();
  const issueId = `${id}-issue`;
  const chosen = value ? candidates.find((c) => same(c.column, value)) : undefined;
  const best = candidates[0];
  // A missing field is already counted in the coverage line; a wrong column is an error on its row.
  const error = issue && issue.kind !== 'missing' ? issue : undefined;
  return (
    <div className="space-y-1.5" data-field={field}>
      <div className="flex min-h-5 items-center justify-between gap-2">
        <label htmlFor={id} className="flex min-w-0 items-center gap-1 text-[13px] font-medium">
          <span className="truncate" title={description ?? label}>
            {label}
          </span>
          {required ? (
            <span className="text-destructive" aria-hidden>
              *
            </span>
          ) : null}
          {required ? <span className="sr-only">(required)</span> : null}
        </label>
        {chosen ? (
          <Tooltip content={chosen.reason}>
            {/* biome-ignore lint/a11y/noNoninteractiveTabindex: focusable so keyboard users can read why it was suggested */}
            <span tabIndex={0} className="rounded-full">
              <Badge tone={confidenceTone(chosen.confidence)} className="px-1.5 py-0 text-[11px]">
                <Sparkles aria-hidden />
                <span className="sr-only">Suggested, confidence </span>
                {Math.round(chosen.confidence * 100)}%
              </Badge>
            </span>
          </Tooltip>
        ) : null}
      </div>
      <ColumnPicker
        id={id}
        value={value}
        onChange={onChange}
        dataset={dataset}
        population={population}
        candidates={candidates}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? issueId : undefined}
        aria-required={required || undefined}
      />
      {!value && best ? (
        <Tooltip content={best.reason}>
          <button
            type="button"
            onClick={() => onChange(best.column)}
            className="inline-flex items-center gap-1 rounded text-xs font-medium text-primary hover:underline"
          >
            <Sparkles className="size-3" aria-hidden />
            Use {best.column} ({Math.round(best.confidence * 100)}% match)
          </button>
        </Tooltip>
      ) : null}
      {error ? (
        <p id={issueId} className="flex items-start gap-1.5 text-xs text-destructive">
          <AlertCircle className="mt-px size-3.5 shrink-0" aria-hidden />
          <span>{error.message}</span>
        </p>
      ) : null}
    </div>
  );
}
