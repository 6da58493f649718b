import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DatasetStore, datasetSource, maskKey } from '@cdp/analytics';
import { quoteLiteral } from '@cdp/formats';
import type { VersionDataset } from '../data/version-data.ts';
import type { AppContext } from '../lib/context.ts';
import { studyDir } from '../lib/study-folders.ts';

let store: DatasetStore | null = null;

/**
 * A Parquet copy of a dataset with its masked PHI columns replaced, for readers that take a file
 * rather than SQL (the pipeline engines' previews, the XPT writer). Kept in the study's `temp/` under
 * a name that says which columns are masked, so a classification change makes a new one.
 */
export async function maskedCopy(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  dataset: VersionDataset,
): Promise<string> {
  const key = createHash('sha256')
    .update(`${dataset.file}\n${maskKey(dataset)}`)
    .digest('hex')
    .slice(0, 24);
  const dir = path.join(studyDir(ctx.config.dataDir, orgId, studyId), 'temp', 'phi-masked');
  const target = path.join(dir, `${dataset.name.toUpperCase()}-${key}.parquet`);
  if (await stat(target).catch(() => null)) return target;
  await mkdir(dir, { recursive: true });
  const partial = `${target}.${process.pid}.${Date.now()}.part`;
  store ??= new DatasetStore({ memoryLimit: ctx.config.duckdbMemoryLimit });
  try {
    await store.withConnection((connection) =>
      connection.run(`COPY (SELECT * FROM ${datasetSource(dataset)}) TO ${quoteLiteral(partial)} (FORMAT parquet)`),
    );
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
  return target;
}

/**
 * A clear Parquet copy of a dataset whose PHI is sealed at rest, for a pipeline engine that reads
 * files (cleared runs and previews): written into `dir`, which the caller removes when the engine is
 * done. Never cached: the clear values live on disk only for the run.
 */
export async function clearCopy(dataset: VersionDataset, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const target = path.join(dir, `${dataset.name.toUpperCase()}-${randomUUID()}.parquet`);
  store ??= new DatasetStore();
  await store.withConnection((connection) =>
    connection.run(`COPY (SELECT * FROM ${datasetSource(dataset)}) TO ${quoteLiteral(target)} (FORMAT parquet)`),
  );
  return target;
}

/** Opens the DuckDB that makes masked and clear copies (a worker warming up, pipelines/warm-up.ts). */
export async function warmCopyStore(memoryLimit: string): Promise<void> {
  store ??= new DatasetStore({ memoryLimit });
  await store.withConnection((connection) => connection.run('SELECT 1'));
}
