import type { PipelineInputJson, Tx } from '@cdp/db';
import type { PipelineInput } from '@cdp/pipelines';
import { outputVersionOf, rawVersionDataIn, type VersionData, type VersionDataset } from '../data/version-data.ts';
import type { AppContext } from '../lib/context.ts';
import { clearCopy, maskedCopy } from '../phi/masked-copy.ts';
import { applyPhiProtection, type PhiAccess, type PhiInputs, readPhiInputs } from '../phi/protect-version.ts';
import {
  findPipeline,
  latestOutput,
  type OutputWithDatasets,
  type PipelineWithActor,
} from '../repositories/pipelines.repo.ts';

export interface ResolvedInputs {
  /** Every input that resolved, with its Parquet file and columns. */
  inputs: PipelineInput[];
  /** Inputs that did not, each naming where (`inputs[1].source.dataset: …`). */
  issues: { path: string; message: string }[];
  /** The active source version read, when any input is a source dataset. */
  sourceVersionId: string | null;
  /** Output versions of upstream pipelines read. */
  upstreamOutputIds: string[];
}

/** What the inputs name, as stored: `readInputs` reads it, `resolveInputs` decides from it. */
export interface InputReads {
  /** The active source version as stored (before the reader's PHI decision), when an input needs it. */
  source: VersionData | null;
  /** Each upstream pipeline and its latest output with its datasets (the output version itself). */
  upstream: Map<string, { pipeline: PipelineWithActor | null; output: OutputWithDatasets | null }>;
  /** The study's PHI classes and sealed files, read once for every version. */
  phi: PhiInputs;
}

/**
 * Everything a definition's inputs name, read in the caller's ONE transaction (it was one per
 * version and one per upstream pipeline, each reading the study's PHI decision again).
 */
export async function readInputs(
  tx: Tx,
  ctx: AppContext,
  orgId: string,
  study: { id: string; activeDataVersionId: string | null },
  refs: PipelineInputJson[],
): Promise<InputReads> {
  const source =
    refs.some((r) => r.source.kind === 'dataset') && study.activeDataVersionId
      ? await rawVersionDataIn(tx, ctx, orgId, study.id, study.activeDataVersionId)
      : null;
  const upstream: InputReads['upstream'] = new Map();
  for (const ref of refs) {
    if (ref.source.kind !== 'pipeline' || upstream.has(ref.source.pipelineId)) continue;
    upstream.set(ref.source.pipelineId, {
      pipeline: await findPipeline(tx, orgId, study.id, ref.source.pipelineId),
      output: await latestOutput(tx, orgId, study.id, ref.source.pipelineId),
    });
  }
  return { source, upstream, phi: await readPhiInputs(tx, orgId, study.id) };
}

/**
 * The files a definition's inputs name right now: datasets of the study's active source version,
 * and the latest outputs of the upstream pipelines it chains onto.
 */
export async function resolveInputs(
  ctx: AppContext,
  orgId: string,
  study: { id: string; activeDataVersionId: string | null },
  refs: PipelineInputJson[],
  access: PhiAccess,
  options: {
    clearCopiesIn?: string;
    /** What was read already: a run's claim reads it with the run (`claimRun`). */
    read?: InputReads;
  } = {},
): Promise<ResolvedInputs> {
  // A reader without PHI clearance gets a copy with the PHI columns masked. A cleared reader of a
  // file whose PHI is sealed at rest gets a clear copy in `clearCopiesIn`, which the caller removes
  // when the engine is done; without it (a definition check reads no values) the stored file.
  const fileOf = async (dataset: VersionDataset): Promise<string> => {
    if (dataset.columns.some((c) => c.masked)) return maskedCopy(ctx, orgId, study.id, dataset);
    if (dataset.sealed && options.clearCopiesIn) return clearCopy(dataset, options.clearCopiesIn);
    return dataset.file;
  };
  const result: ResolvedInputs = { inputs: [], issues: [], sourceVersionId: null, upstreamOutputIds: [] };
  const read = options.read ?? (await ctx.database.tenant(orgId, (tx) => readInputs(tx, ctx, orgId, study, refs)));
  const protect = (version: VersionData) => applyPhiProtection(ctx, version, access, read.phi);
  const active = read.source ? await protect(read.source) : null;
  const seen = new Set<string>();
  for (const [i, ref] of refs.entries()) {
    if (seen.has(ref.name.toUpperCase())) {
      result.issues.push({ path: `inputs[${i}].name`, message: `input name "${ref.name}" is used twice` });
      continue;
    }
    seen.add(ref.name.toUpperCase());
    const source = ref.source;
    if (source.kind === 'dataset') {
      if (!active) {
        result.issues.push({
          path: `inputs[${i}].source`,
          message: 'the study has no active data version yet: load data first',
        });
        continue;
      }
      const dataset = active.datasets.get(source.dataset.toUpperCase());
      if (!dataset) {
        result.issues.push({
          path: `inputs[${i}].source.dataset`,
          message: `no dataset "${source.dataset}" in the study's active data version`,
        });
        continue;
      }
      result.sourceVersionId = active.id;
      dataset.onRead?.();
      result.inputs.push({
        name: ref.name,
        path: await fileOf(dataset),
        columns: dataset.columns.map((c) => ({ name: c.name, type: c.type, ...(c.label ? { label: c.label } : {}) })),
      });
      continue;
    }
    const { pipeline: upstream = null, output = null } = read.upstream.get(source.pipelineId) ?? {};
    if (!upstream) {
      result.issues.push({ path: `inputs[${i}].source.pipelineId`, message: 'no such pipeline in this study' });
      continue;
    }
    const dataset = output?.datasets.find((d) => d.name.toUpperCase() === source.output.toUpperCase());
    if (!output || !dataset) {
      result.issues.push({
        path: `inputs[${i}].source.output`,
        message: output
          ? `pipeline "${upstream.row.name}" has no output "${source.output}" in its latest output version`
          : `pipeline "${upstream.row.name}" has no output yet: run it first`,
      });
      continue;
    }
    const data = await protect(outputVersionOf(ctx, output));
    const stored = data.datasets.get(dataset.name.toUpperCase());
    if (!stored) continue;
    const file = await fileOf(stored);
    stored.onRead?.();
    if (!result.upstreamOutputIds.includes(output.output.id)) result.upstreamOutputIds.push(output.output.id);
    result.inputs.push({
      name: ref.name,
      path: file,
      columns: dataset.columns.map((c) => ({ name: c.name, type: c.type, ...(c.label ? { label: c.label } : {}) })),
    });
  }
  return result;
}
