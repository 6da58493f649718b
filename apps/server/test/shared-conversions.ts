import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConvertedUpload } from '@cdp/formats';
import { inject } from 'vitest';
import { type ConvertRequest, convertInWorker } from '../src/ingest/convert-in-worker.ts';

/** What `AppContext.convertUpload` takes. */
export type ConvertUpload = (request: ConvertRequest, concurrency: number) => Promise<ConvertedUpload>;

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

/** The conversion's inputs: the file's bytes, its name and the limits (not where DuckDB spills). */
async function keyOf(request: ConvertRequest): Promise<string> {
  const { tempDirectory: _spill, ...limits } = request.limits;
  return createHash('sha256')
    .update(JSON.stringify([await sha256Of(request.file), request.fileName, limits]))
    .digest('hex');
}

/** A stored conversion's files, relative to the folder they were written to. */
interface Stored {
  result: ConvertedUpload;
}

/**
 * A conversion that reuses an identical earlier one. The first upload of given bytes (name and
 * limits alike) in the run is converted for real, by the worker thread as in production, and its
 * Parquet files and result are kept under the run's data folder; a later upload of the same bytes,
 * by any test file in any Vitest worker, gets a copy of those files in its own work folder. What
 * follows the conversion (manifest, PHI sealing, the version's rows, every query) runs as always,
 * so each test still checks its own version. Failed conversions are never kept.
 *
 * Several test files upload the whole CDISC pilot SDTM (19 XPT files, 11 MB): this converts it
 * once per run instead of once per file. Opt in per app: `startTestApp({}, { reuseConversions: true })`.
 */
export function sharedConversions(
  cacheDir = path.join(inject('dataRoot'), 'conversions'),
  convert: ConvertUpload = convertInWorker,
): ConvertUpload & { hits: number } {
  const reuse = async (request: ConvertRequest, concurrency: number): Promise<ConvertedUpload> => {
    const dir = path.join(cacheDir, await keyOf(request));
    let stored = await storedAt(dir);
    // The first file of each Vitest worker often uploads the pilot at the same moment: one converts,
    // the others wait for its entry instead of converting the same bytes alongside it.
    let converting = false;
    if (!stored) {
      await mkdir(cacheDir, { recursive: true });
      converting = await mkdir(`${dir}.converting`).then(
        () => true,
        () => false,
      );
      if (!converting) stored = await awaitEntry(dir);
    }
    if (stored) {
      reuse.hits++;
      await mkdir(request.outDir, { recursive: true });
      const datasets = await Promise.all(
        stored.result.datasets.map(async (dataset) => {
          const file = path.join(request.outDir, dataset.file);
          await copyFile(path.join(dir, 'files', dataset.file), file);
          return { ...dataset, file };
        }),
      );
      return { ...stored.result, datasets };
    }
    try {
      return await convertAndKeep(request, concurrency, dir);
    } finally {
      if (converting) await rm(`${dir}.converting`, { recursive: true, force: true });
    }
  };
  const convertAndKeep = async (request: ConvertRequest, concurrency: number, dir: string) => {
    const result = await convert(request, concurrency);
    // Written aside, then renamed: a reader sees a whole entry or none; of two writers, one wins.
    const temp = path.join(cacheDir, `.${randomUUID()}`);
    await mkdir(path.join(temp, 'files'), { recursive: true });
    const relative = await Promise.all(
      result.datasets.map(async (dataset) => {
        const name = path.relative(request.outDir, dataset.file);
        if (name.startsWith('..')) throw new Error(`${dataset.file} was written outside ${request.outDir}`);
        await mkdir(path.dirname(path.join(temp, 'files', name)), { recursive: true });
        await copyFile(dataset.file, path.join(temp, 'files', name));
        return { ...dataset, file: name };
      }),
    );
    await writeFile(path.join(temp, 'result.json'), JSON.stringify({ result: { ...result, datasets: relative } }));
    await rename(temp, dir).catch(() => rm(temp, { recursive: true, force: true }));
    return result;
  };
  reuse.hits = 0;
  return reuse;
}

async function storedAt(dir: string): Promise<Stored | null> {
  return readFile(path.join(dir, 'result.json'), 'utf8').then(
    (text) => JSON.parse(text) as Stored,
    () => null,
  );
}

/**
 * Another conversion of the same bytes is under way (its `.converting` folder exists): its entry
 * once written, or null when it failed (nothing is kept) or has not finished within two minutes
 * (a process that died mid-way), and this one converts by itself.
 */
async function awaitEntry(dir: string): Promise<Stored | null> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const stored = await storedAt(dir);
    if (stored) return stored;
    const busy = await stat(`${dir}.converting`).then(
      () => true,
      () => false,
    );
    if (!busy) return storedAt(dir);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return null;
}
