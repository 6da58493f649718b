import type { DatasetSummary, DslStepInput, ExamplePipeline, PipelineInputRef, PipelineSummary } from '@cdp/contracts';
import { EXAMPLE_PIPELINES } from '@cdp/contracts';

/** An example made ready for this study, or what it still needs. */
export type ExampleFit =
  | { ok: true; name: string; description: string; inputs: PipelineInputRef[]; steps: DslStepInput[] }
  | { ok: false; missing: string };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * An example's inputs mapped onto this study: a dataset input onto the active data's dataset of that
 * name, an input from another example onto a pipeline of the study that saves that output (the
 * ENROL of "Enrolment status"). When one cannot be found the example says what it needs instead.
 */
export function fitExample(
  example: ExamplePipeline,
  datasets: readonly DatasetSummary[],
  pipelines: readonly PipelineSummary[],
): ExampleFit {
  const inputs: PipelineInputRef[] = [];
  for (const input of example.inputs) {
    if ('dataset' in input.from) {
      const wanted = input.from.dataset;
      const found = datasets.find((d) => same(d.name, wanted));
      if (!found) return { ok: false, missing: `needs ${wanted} in the study’s active data` };
      inputs.push({ name: input.name, source: { kind: 'dataset', dataset: found.name } });
    } else {
      const { pipeline: key, output } = input.from;
      const upstream = pipelines.find((p) => p.outputs.some((o) => same(o, output)));
      if (!upstream) {
        const maker = EXAMPLE_PIPELINES.find((e) => e.key === key)?.name ?? key;
        return { ok: false, missing: `needs a pipeline that saves ${output}: create “${maker}” first` };
      }
      const saved = upstream.outputs.find((o) => same(o, output)) ?? output;
      inputs.push({ name: input.name, source: { kind: 'pipeline', pipelineId: upstream.id, output: saved } });
    }
  }
  return {
    ok: true,
    name: example.name,
    description: example.description,
    inputs,
    steps: structuredClone(example.body.steps),
  };
}
