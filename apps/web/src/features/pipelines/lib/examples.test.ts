import { type DatasetSummary, EXAMPLE_PIPELINES, type PipelineSummary } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { fitExample } from './examples.ts';

const dataset = (name: string) => ({ name }) as DatasetSummary;
const pipeline = (id: string, outputs: string[]) => ({ id, outputs }) as PipelineSummary;
const example = (key: string) => {
  const found = EXAMPLE_PIPELINES.find((e) => e.key === key);
  if (!found) throw new Error(key);
  return found;
};

describe('fitExample', () => {
  it('maps the enrolment example onto the study’s DS, whatever its case', () => {
    const fit = fitExample(example('enrolment'), [dataset('DM'), dataset('ds')], []);
    expect(fit).toMatchObject({
      ok: true,
      name: 'Enrolment status (ENROL)',
      inputs: [{ name: 'DS', source: { kind: 'dataset', dataset: 'ds' } }],
    });
    expect(fit.ok && fit.steps).toEqual(example('enrolment').body.steps);
  });

  it('says what is missing: a dataset, or the pipeline whose output the example reads', () => {
    expect(fitExample(example('enrolment'), [dataset('DM')], [])).toEqual({
      ok: false,
      missing: 'needs DS in the study’s active data',
    });
    expect(fitExample(example('dm_clean'), [dataset('DM')], [pipeline('p1', ['other'])])).toEqual({
      ok: false,
      missing: 'needs a pipeline that saves ENROL: create “Enrolment status (ENROL)” first',
    });
  });

  it('reads ENROL from the study’s pipeline that saves it', () => {
    const fit = fitExample(example('dm_clean'), [dataset('DM')], [pipeline('p1', ['x']), pipeline('p2', ['ENROL'])]);
    expect(fit.ok && fit.inputs).toEqual([
      { name: 'DM', source: { kind: 'dataset', dataset: 'DM' } },
      { name: 'ENROL', source: { kind: 'pipeline', pipelineId: 'p2', output: 'ENROL' } },
    ]);
  });

  it('hands out a copy: editing the steps never changes the built-in example', () => {
    const fit = fitExample(example('enrolment'), [dataset('DS')], []);
    if (!fit.ok) throw new Error('expected a fit');
    (fit.steps[0] as { description?: string }).description = 'changed';
    expect(example('enrolment').body.steps[0]?.description).not.toBe('changed');
  });
});
