/** Helpers for this package's tests only (not exported from `index.ts`). */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { convertUpload, type DatasetReader, readXpt } from '@cdp/formats';
import { readAll, sharedData } from '@cdp/formats/testing';
import type { ExecutePipelineRequest, PipelineInput, PipelineLogLine, PipelineProgress } from './executor.ts';

export const PILOT_SDTM = sharedData('cdiscpilot01', 'sdtm-original');

/** The pilot study's `domains` (e.g. `dm`, `ae`) as Parquet inputs named in upper case, in `dir`. */
export async function pilotInputs(dir: string, domains: string[]): Promise<PipelineInput[]> {
  const inputs: PipelineInput[] = [];
  for (const domain of domains) {
    const out = path.join(dir, domain);
    await mkdir(out, { recursive: true });
    const converted = await convertUpload(path.join(PILOT_SDTM, `${domain}.xpt`), `${domain}.xpt`, out);
    const dataset = converted.datasets[0];
    if (!dataset) throw new Error(`${domain}.xpt converted to nothing`);
    inputs.push({
      name: domain.toUpperCase(),
      path: dataset.file,
      columns: dataset.columns.map((c) => ({ name: c.name, type: c.type })),
    });
  }
  return inputs;
}

/** The pilot study's `domain` read straight from its XPT file as `{ column: value }` rows, for expected values. */
export async function pilotRows(domain: string): Promise<Record<string, string | number | null>[]> {
  const readers: AsyncIterable<DatasetReader> = readXpt(path.join(PILOT_SDTM, `${domain}.xpt`));
  const [dataset] = await readAll(readers);
  if (!dataset) throw new Error(`no dataset in ${domain}.xpt`);
  return dataset.rows.map((row) => Object.fromEntries(dataset.info.columns.map((c, i) => [c.name, row[i] ?? null])));
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

export interface RecordedRequest extends ExecutePipelineRequest {
  progress: PipelineProgress[];
  logs: PipelineLogLine[];
}

/** A request whose progress and log lines are kept for assertions. */
export function recordingRequest(
  request: Omit<ExecutePipelineRequest, 'onProgress' | 'onLog' | 'signal'> & { signal?: AbortSignal },
): RecordedRequest {
  const progress: PipelineProgress[] = [];
  const logs: PipelineLogLine[] = [];
  return {
    ...request,
    signal: request.signal ?? new AbortController().signal,
    progress,
    logs,
    onProgress: (p) => progress.push(p),
    onLog: (line) => logs.push(line),
  };
}
