/**
 * Helpers for the DSL tests only (never exported from the package): the CDISC pilot SDTM as Parquet
 * inputs, a plain DuckDB for expected values computed independently of the engine, and a runner.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DslBodyInput } from '@cdp/contracts';
import { convertUpload, type DatasetReader, readXpt } from '@cdp/formats';
import { readAll, sharedData } from '@cdp/formats/testing';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { type DslRunMode, runDsl } from './dsl/execute-dsl.ts';
import type { ExecutePipelineRequest, PipelineInput, PipelineLogLine, PipelineProgress } from './executor.ts';

export type Row = Record<string, unknown>;

export interface Pilot {
  dir: string;
  inputs: Record<string, PipelineInput>;
  /** Plain SQL on the same Parquet files: `{DM}` in the text stands for DM's file. */
  sql(query: string): Promise<Row[]>;
  /** Runs a body (compiled as `mode` says, `auto` by default); the outputs read back as rows. */
  run(
    body: DslBodyInput,
    names: string[],
    signal?: AbortSignal,
    mode?: DslRunMode,
  ): Promise<{
    outputs: Record<string, Row[]>;
    logs: PipelineLogLine[];
    progress: PipelineProgress[];
    outputDir: string;
  }>;
  close(): Promise<void>;
}

export async function openPilot(domains: string[]): Promise<Pilot> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cdp-dsl-test-'));
  const inputs: Record<string, PipelineInput> = {};
  for (const domain of domains) {
    const file = `${domain.toLowerCase()}.xpt`;
    const converted = await convertUpload(sharedData('cdiscpilot01', 'sdtm-original', file), file, dir);
    const dataset = converted.datasets[0];
    if (!dataset) throw new Error(`no dataset in ${file}`);
    inputs[domain] = {
      name: domain,
      path: dataset.file,
      columns: dataset.columns.map((c) => ({ name: c.name, type: c.type, ...(c.label ? { label: c.label } : {}) })),
    };
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const sql = (query: string) =>
    readRows(
      connection,
      query.replace(/\{(\w+)\}/g, (_, name: string) => `'${inputs[name]?.path}'`),
    );
  return {
    dir,
    inputs,
    sql,
    async run(body, names, signal, mode = 'auto') {
      const outputDir = await mkdtemp(path.join(dir, 'out-'));
      const logs: PipelineLogLine[] = [];
      const progress: PipelineProgress[] = [];
      const request: ExecutePipelineRequest = {
        kind: 'dsl',
        body,
        inputs: names.map((name) => inputs[name] as PipelineInput),
        outputDir,
        signal: signal ?? new AbortController().signal,
        onLog: (line) => logs.push(line),
        onProgress: (p) => progress.push(p),
      };
      const result = await runDsl(request, mode);
      const outputs: Record<string, Row[]> = {};
      for (const output of result.outputs)
        outputs[output.name] = await readRows(connection, `SELECT * FROM '${output.path}'`);
      return { outputs, logs, progress, outputDir };
    },
    async close() {
      connection.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Rows with plain JS values: numbers, strings, booleans, null; dates as `YYYY-MM-DD`, timestamps `YYYY-MM-DD HH:MM:SS`. */
export async function readRows(connection: DuckDBConnection, query: string): Promise<Row[]> {
  const reader = await connection.runAndReadAll(query);
  return reader
    .getRowObjects()
    .map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([key, value]) => [
          key,
          typeof value === 'bigint'
            ? Number(value)
            : value !== null && typeof value === 'object'
              ? String(value)
              : value,
        ]),
      ),
    );
}

export async function listFiles(dir: string): Promise<string[]> {
  return readdir(dir);
}

/** Days from a to b for `YYYY-MM-DD` text (UTC). */
export function daysBetween(a: string, b: string): number {
  return Math.round(
    (Date.parse(`${b.slice(0, 10)}T00:00:00Z`) - Date.parse(`${a.slice(0, 10)}T00:00:00Z`)) / 86_400_000,
  );
}

export const isFullDate = (value: unknown): value is string =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value);

// ── SQL engine helpers (pipe-sandbox) ──
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
