/**
 * Helpers for reader tests, exported through `@cdp/formats/testing` only: turning readers into
 * plain rows, and finding the shared real-world test data that lives beside the repository.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDuckDb } from './parquet/duckdb.ts';
import { valueAt } from './text-cells.ts';
import type { DatasetInfo, DatasetReader } from './types.ts';

export type Cell = string | number | null;

export interface ReadDataset {
  info: DatasetInfo;
  rows: Cell[][];
  batches: number;
}

/** Every dataset with every row, numeric `NaN` as `null`. */
export async function readAll(readers: AsyncIterable<DatasetReader>): Promise<ReadDataset[]> {
  const out: ReadDataset[] = [];
  for await (const reader of readers) {
    const rows: Cell[][] = [];
    let batches = 0;
    for await (const batch of reader.batches()) {
      batches++;
      if (batch.columns.length !== reader.info.columns.length)
        throw new Error('batch column count differs from the schema');
      for (let r = 0; r < batch.length; r++) {
        rows.push(
          batch.columns.map((values) => {
            const v = valueAt(values, r);
            return v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? null : v;
          }),
        );
      }
    }
    out.push({ info: reader.info, rows, batches });
  }
  return out;
}

/** A row as `{ column: value }`, for readable assertions. */
export function rowObject(dataset: ReadDataset, index: number): Record<string, Cell> {
  const row = dataset.rows[index];
  if (!row) throw new Error(`no row ${index} in ${dataset.info.name}`);
  return Object.fromEntries(dataset.info.columns.map((c, i) => [c.name, row[i] ?? null]));
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The real test data folder: `CDP_SHARED_DATA` when set, else `shared/data` beside the repository
 * (CI, a clone) or beside one of its parents (a git worktree under `wt/<name>` of that clone).
 */
const SHARED_DATA = (() => {
  if (process.env.CDP_SHARED_DATA) return path.resolve(process.env.CDP_SHARED_DATA);
  const beside = path.resolve(REPO_ROOT, '..', 'shared', 'data');
  for (let dir = path.dirname(REPO_ROOT); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'data');
    if (existsSync(candidate)) return candidate;
  }
  return beside;
})();

/** `<shared data>/<parts>`; CI and developers keep real files there (see `SHARED_DATA`). */
export function sharedData(...parts: string[]): string {
  return path.resolve(SHARED_DATA, ...parts);
}

/**
 * Whether the shared corpus (or the part of it named by `parts`) is there: the one place that
 * decides. Says so once when it is not, so a skipped test is never silent.
 */
export function hasSharedData(what: string, ...parts: string[]): boolean {
  const dir = sharedData(...parts);
  if (existsSync(dir)) return true;
  console.warn(
    `skipping ${what}: ${dir} not found (the shared test data lives beside the repository, in ../shared/data)`,
  );
  return false;
}

/** Every file under `<shared data>/<parts>` (all folders down) whose name matches `pattern`, sorted. */
export async function sharedDataFiles(pattern: RegExp, ...parts: string[]): Promise<string[]> {
  const files: string[] = [];
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (pattern.test(entry.name)) files.push(full);
    }
  };
  await walk(sharedData(...parts));
  return files.sort();
}

/** A file under `packages/formats/fixtures/`. */
export function fixture(...parts: string[]): string {
  return path.resolve(REPO_ROOT, 'packages', 'formats', 'fixtures', ...parts);
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date, for expected values. */
export function days(iso: string): number {
  return Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
}

/** Milliseconds since 1970-01-01T00:00:00 of a zone-less `YYYY-MM-DDTHH:MM:SS`, for expected values. */
export function millis(iso: string): number {
  return Date.parse(`${iso}Z`);
}

/** Every row of a Parquet file as DuckDB reads it back (JSON values). */
export async function parquetRows(file: string): Promise<unknown[][]> {
  const db = await openDuckDb();
  try {
    return (await db.connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowsJson();
  } finally {
    db.close();
  }
}
