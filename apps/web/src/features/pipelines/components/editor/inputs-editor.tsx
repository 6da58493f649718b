import type { DatasetSummary, PipelineInputRef, PipelineSummary } from '@cdp/contracts';
import { Database, Plus, Workflow, X } from 'lucide-react';
import { Button } from '../../../../components/ui/button.tsx';
import { EmptyState } from '../../../../components/ui/empty-state.tsx';
import { Select } from '../../../../components/ui/select.tsx';
import { cn } from '../../../../lib/cn.ts';
import type { PlacedIssue } from '../../lib/issues.ts';
import { compact, SmallInput } from '../dsl/field-controls.tsx';

const sourceKey = (ref: PipelineInputRef['source']) =>
  ref.kind === 'dataset' ? `dataset:${ref.dataset}` : `pipeline:${ref.pipelineId}:${ref.output}`;

function sourceFrom(key: string): PipelineInputRef['source'] | null {
  const [kind, a, b] = key.split(':');
  if (kind === 'dataset' && a) return { kind: 'dataset', dataset: key.slice('dataset:'.length) };
  if (kind === 'pipeline' && a && b) return { kind: 'pipeline', pipelineId: a, output: b };
  return null;
}

/** A name the body can use for a dataset: letters, digits and underscores. */
export function inputName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^[^A-Za-z]+/, '');
  return cleaned.slice(0, 64) || 'input';
}

const sourceName = (source: PipelineInputRef['source']) => (source.kind === 'dataset' ? source.dataset : source.output);

/**
 * What the pipeline reads, each under the name its steps, SQL or script use: datasets of the
 * study's active data, or the outputs of the study's other pipelines (chaining them).
 */
export function InputsEditor({
  inputs,
  onChange,
  datasets,
  pipelines,
  issues,
  disabled,
}: {
  inputs: PipelineInputRef[];
  onChange: (inputs: PipelineInputRef[]) => void;
  /** The active source version's datasets (empty when the study has no data). */
  datasets: DatasetSummary[];
  /** The study's other pipelines, whose outputs can be read. */
  pipelines: PipelineSummary[];
  issues: PlacedIssue[];
  disabled?: boolean;
}) {
  const used = new Set(inputs.map((i) => sourceKey(i.source)));
  const firstFree = datasets.find((d) => !used.has(`dataset:${d.name}`)) ?? null;
  const add = () => {
    if (firstFree) {
      onChange([...inputs, { name: inputName(firstFree.name), source: { kind: 'dataset', dataset: firstFree.name } }]);
    }
  };
  const issueFor = (index: number) =>
    issues.filter((i) => i.path.replace(/^body\./, '').startsWith(`inputs[${index}]`));

  return (
    <div className="space-y-3">
      {inputs.length === 0 ? (
        <EmptyState
          icon={Database}
          title="No inputs yet"
          description={
            datasets.length === 0
              ? 'This study has no active data version. Upload data on the Data tab first.'
              : 'Add the datasets this pipeline reads.'
          }
          className="py-6"
        />
      ) : (
        <ol className="space-y-2" aria-label="Inputs">
          {inputs.map((input, index) => {
            const problems = issueFor(index);
            const key = sourceKey(input.source);
            const known =
              input.source.kind === 'dataset'
                ? datasets.some((d) => `dataset:${d.name}` === key)
                : pipelines.some((p) => p.outputs.some((o) => `pipeline:${p.id}:${o}` === key));
            return (
              <li
                // biome-ignore lint/suspicious/noArrayIndexKey: inputs are edited in place
                key={index}
                className={cn(
                  'grid gap-2 rounded-md border bg-surface p-2 sm:grid-cols-[minmax(0,1.4fr)_minmax(0,1fr)_auto] sm:items-start',
                  problems.length ? 'border-red-300' : 'border-border',
                )}
              >
                <Select
                  aria-label={`Input ${index + 1} source`}
                  className={compact}
                  value={key}
                  disabled={disabled}
                  onChange={(e) => {
                    const source = sourceFrom(e.target.value);
                    if (!source) return;
                    // A name the user chose stays; a name that was only the old source's follows the new one.
                    const keep = input.name !== inputName(sourceName(input.source));
                    onChange(
                      inputs.map((i, n) =>
                        n === index ? { name: keep ? i.name : inputName(sourceName(source)), source } : i,
                      ),
                    );
                  }}
                >
                  {known ? null : <option value={key}>{sourceName(input.source)} (not available)</option>}
                  {datasets.length > 0 ? (
                    <optgroup label="Active data">
                      {datasets.map((d) => (
                        <option key={d.name} value={`dataset:${d.name}`}>
                          {d.name}
                          {d.label ? ` — ${d.label}` : ''} ({d.rows.toLocaleString()} rows)
                        </option>
                      ))}
                    </optgroup>
                  ) : null}
                  {pipelines
                    .filter((p) => p.outputs.length > 0)
                    .map((p) => (
                      <optgroup key={p.id} label={`Output of pipeline “${p.name}”`}>
                        {p.outputs.map((o) => (
                          <option key={o} value={`pipeline:${p.id}:${o}`}>
                            {o} (from {p.name})
                          </option>
                        ))}
                      </optgroup>
                    ))}
                </Select>
                <div className="flex items-center gap-2">
                  <span className="shrink-0 text-xs text-muted-foreground">as</span>
                  <SmallInput
                    aria-label={`Input ${index + 1} name`}
                    className="font-mono"
                    value={input.name}
                    disabled={disabled}
                    onChange={(e) => onChange(inputs.map((i, n) => (n === index ? { ...i, name: e.target.value } : i)))}
                  />
                </div>
                <Button
                  variant="ghost"
                  size="icon-sm"
                  disabled={disabled}
                  onClick={() => onChange(inputs.filter((_, n) => n !== index))}
                  aria-label={`Remove input ${index + 1}`}
                  className="justify-self-end"
                >
                  <X />
                </Button>
                {problems.length > 0 ? (
                  <p className="text-[13px] text-destructive sm:col-span-3" role="alert">
                    {problems.map((p) => p.message).join(' · ')}
                  </p>
                ) : null}
                {input.source.kind === 'pipeline' ? (
                  <p className="flex items-center gap-1.5 text-xs text-muted-foreground sm:col-span-3">
                    <Workflow className="size-3.5" aria-hidden />
                    Reads the latest successful run’s output of that pipeline.
                  </p>
                ) : null}
              </li>
            );
          })}
        </ol>
      )}
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" size="sm" onClick={add} disabled={disabled || !firstFree}>
          <Plus />
          Add input
        </Button>
        {!disabled && inputs.length === 0 && datasets.length > 1 ? (
          <Button
            variant="ghost"
            size="sm"
            onClick={() =>
              onChange(
                datasets.map((d) => ({
                  name: inputName(d.name),
                  source: { kind: 'dataset' as const, dataset: d.name },
                })),
              )
            }
          >
            Add every dataset ({datasets.length})
          </Button>
        ) : null}
      </div>
    </div>
  );
}
