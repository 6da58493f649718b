import type { DatasetLineage } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { pipelineIdOf, readBy, shownDatasets } from './lineage.ts';

const SOURCE_ID = '00000000-0000-4000-8000-000000000001';
const PIPELINE_ID = '00000000-0000-4000-8000-000000000002';
const RUN_ID = '00000000-0000-4000-8000-000000000003';
const OUTPUT_ID = '00000000-0000-4000-8000-000000000004';
const ALL = ['AE', 'CM', 'DM', 'DS', 'EX', 'MH', 'RELREC', 'SC', 'SE', 'SV'];

/** A run of a pipeline that read AE and DM of a source version holding ten datasets (as the lineage route answers). */
const lineage: DatasetLineage = {
  root: `output:${OUTPUT_ID}`,
  nodes: [
    {
      key: `output:${OUTPUT_ID}`,
      kind: 'output_version',
      id: OUTPUT_ID,
      label: 'out',
      detail: { datasets: ['ae_soc'] },
    },
    { key: `run:${RUN_ID}`, kind: 'run', id: RUN_ID, label: 'Run of 2026-12-08T00:19:43.428Z', detail: {} },
    {
      key: `pipeline:${PIPELINE_ID}@2`,
      kind: 'pipeline_version',
      id: PIPELINE_ID,
      label: 'AE by SOC, version 2',
      detail: { version: 2, pipelineId: PIPELINE_ID },
    },
    { key: `source:${SOURCE_ID}`, kind: 'source_version', id: SOURCE_ID, label: 'src', detail: { datasets: ALL } },
  ],
  edges: [
    { from: `run:${RUN_ID}`, to: `output:${OUTPUT_ID}`, datasets: ['ae_soc'] },
    { from: `pipeline:${PIPELINE_ID}@2`, to: `run:${RUN_ID}`, datasets: [] },
    { from: `source:${SOURCE_ID}`, to: `pipeline:${PIPELINE_ID}@2`, datasets: ['AE', 'DM'] },
  ],
};
const node = (kind: string) => {
  const found = lineage.nodes.find((n) => n.kind === kind);
  if (!found) throw new Error(kind);
  return found;
};

describe('the lineage view', () => {
  it('shows of a source version the datasets the pipeline read, and how many others it holds', () => {
    expect(shownDatasets(node('source_version'), lineage)).toEqual({ names: ['AE', 'DM'], more: 8 });
    expect(shownDatasets(node('output_version'), lineage)).toEqual({ names: ['ae_soc'], more: 0 });
  });

  it('finds the pipeline of a run through the version that feeds it, so the run can be linked', () => {
    expect(pipelineIdOf(node('run'), lineage)).toBe(PIPELINE_ID);
    expect(pipelineIdOf(node('pipeline_version'), lineage)).toBe(PIPELINE_ID);
    expect(pipelineIdOf(node('source_version'), lineage)).toBeNull();
  });

  it('says what a pipeline version reads', () => {
    expect(readBy(node('pipeline_version'), lineage)).toEqual(['AE', 'DM']);
  });
});
