import { type DatasetSummary, EXAMPLE_PIPELINES, type PipelineSummary } from '@cdp/contracts';
import { BookOpen } from 'lucide-react';
import { Button } from '../../../../components/ui/button.tsx';
import { type ExampleFit, fitExample } from '../../lib/examples.ts';

/**
 * "Start from an example" on a new pipeline: the specification's built-in pipelines, filled into
 * the form as ordinary steps the user can change before saving.
 */
export function ExamplePicker({
  datasets,
  pipelines,
  onPick,
}: {
  datasets: readonly DatasetSummary[];
  pipelines: readonly PipelineSummary[];
  onPick: (fit: Extract<ExampleFit, { ok: true }>) => void;
}) {
  return (
    <section
      aria-label="Examples"
      className="flex flex-col gap-3 rounded-lg border border-dashed border-border-strong px-5 py-4 md:flex-row md:items-start"
    >
      <div className="flex items-start gap-2 md:w-56 md:shrink-0">
        <BookOpen className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden />
        <div>
          <p className="text-[13px] font-medium">Start from an example</p>
          <p className="text-xs text-muted-foreground">Built-in pipelines of steps, filled in for you to change.</p>
        </div>
      </div>
      <ul className="grid min-w-0 flex-1 gap-2 sm:grid-cols-2">
        {EXAMPLE_PIPELINES.map((example) => {
          const fit = fitExample(example, datasets, pipelines);
          return (
            <li key={example.key} className="flex min-w-0 flex-col gap-1.5 rounded-md border bg-surface px-3 py-2.5">
              <p className="text-[13px] font-medium">{example.name}</p>
              <p className="text-xs text-muted-foreground">{example.description}</p>
              {fit.ok ? null : <p className="text-xs text-warning-soft-foreground">Not yet: {fit.missing}.</p>}
              <Button
                variant="secondary"
                size="sm"
                className="mt-auto self-start"
                disabled={!fit.ok}
                aria-label={`Use the example ${example.name}`}
                onClick={() => fit.ok && onPick(fit)}
              >
                Use this example
              </Button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
