import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StoredColumn, Tx } from '@cdp/db';
import { FormatError, fileSafe, inspectParquetFile } from '@cdp/formats';
import { type ExecutePipelineResult, PipelineDefinitionError } from '@cdp/pipelines';
import type { AppContext } from '../lib/context.ts';
import { durableFiles } from '../lib/durable-files.ts';
import { runTempName } from '../lib/process-run.ts';
import { studyDir } from '../lib/study-folders.ts';
import { versionLabel } from '../lib/version-label.ts';
import type { OutputWithDatasets } from '../repositories/pipelines.repo.ts';

export interface OutputLineage {
  orgId: string;
  studyId: string;
  runId: string;
  pipelineId: string;
  pipelineName: string;
  pipelineVersion: number;
  sourceVersionId: string | null;
  upstreamOutputIds: string[];
}

interface CheckedDataset {
  name: string;
  label: string | null;
  file: string;
  from: string;
  rows: number;
  bytes: number;
  sha256: string;
  columns: StoredColumn[];
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The files a run's engine wrote, checked: every declared output is there, inside the run's own
 * folder, a Parquet file of supported column types. Rows, bytes and hashes are measured here, not
 * taken from the engine. A problem is the definition's (never retried), naming the output.
 */
async function checkOutputs(
  workDir: string,
  declared: string[],
  result: ExecutePipelineResult,
): Promise<CheckedDataset[]> {
  const checked: CheckedDataset[] = [];
  const used = new Set<string>();
  for (const [i, name] of declared.entries()) {
    const made = result.outputs.find((o) => o.name.toUpperCase() === name.toUpperCase());
    if (!made) {
      throw new PipelineDefinitionError([
        {
          path: `outputs[${i}]`,
          message: `the run wrote no dataset "${name}" (it wrote: ${result.outputs.map((o) => o.name).join(', ') || 'nothing'})`,
        },
      ]);
    }
    const resolved = path.resolve(made.path);
    if (path.dirname(resolved) !== path.resolve(workDir)) {
      throw new PipelineDefinitionError([
        { path: `outputs[${i}]`, message: `output "${name}" was not written in the run's own folder` },
      ]);
    }
    // Schema and rows on the process's kept DuckDB (inspect-parquet.ts), the hash beside them.
    let schema: Awaited<ReturnType<typeof inspectParquetFile>>;
    let sha256: string;
    let bytes: number;
    try {
      [schema, sha256, { size: bytes }] = await Promise.all([
        inspectParquetFile(resolved, `${name}.parquet`),
        sha256Of(resolved),
        stat(resolved),
      ]);
    } catch (error) {
      if (error instanceof FormatError) {
        throw new PipelineDefinitionError([{ path: `outputs[${i}]`, message: `output "${name}": ${error.message}` }]);
      }
      throw error;
    }
    const labels = new Map(made.columns.map((c) => [c.name, c.label]));
    const stem = fileSafe(name);
    let file = `${stem}.parquet`;
    for (let n = 2; used.has(file.toLowerCase()); n++) file = `${stem}_${n}.parquet`;
    used.add(file.toLowerCase());
    checked.push({
      name,
      label: schema.label ?? null,
      file,
      from: resolved,
      rows: schema.rows,
      bytes,
      sha256,
      columns: schema.columns.map((c) => ({
        name: c.name,
        label: c.label ?? labels.get(c.name) ?? null,
        type: c.type,
        length: c.length ?? null,
        format: c.format ?? null,
      })),
    });
  }
  return checked;
}

/** Claims `pipeline_output/{label}` by creating it, so two outputs in one second get `_2`, `_3`. */
async function reserveOutputFolder(root: string, at: Date): Promise<{ dir: string; label: string }> {
  await mkdir(root, { recursive: true });
  const base = versionLabel(at);
  for (let n = 1; n < 1000; n++) {
    const label = n === 1 ? base : `${base}_${n}`;
    const dir = path.join(root, label);
    try {
      await mkdir(dir);
      return { dir, label };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`no free output folder under ${root}`);
}

/**
 * Turns a succeeded run's files into an immutable output version, exactly as an upload becomes a
 * data version: checked and given a manifest (with lineage) in a folder of `temp/`, renamed into
 * `pipeline_output/{label}/`, then recorded in one transaction by `record` (a run's success marks
 * the run SUCCEEDED with its `outputVersionId` and appends its audit event in the same statements,
 * record-success.ts). Any failure removes the folder: no output, no files.
 *
 * The files reach the disk beside the rest of the work, not before it (DATA_FILES_DURABLE: a small
 * output's flushes, folder names and rename were ~6 ms of a run's path that nothing else used): the
 * outputs' data is flushed while they are checked; the folder is renamed into `pipeline_output/`,
 * and its manifest, its names and `pipeline_output/`'s names are flushed together while the
 * transaction writes its rows. The transaction commits only once all of that is done (`placed`), so
 * no row ever names a file that could be lost; a failed flush rolls it back and removes the folder
 * (a crash before the commit leaves a folder no row names, as a crash after the rename always did).
 */
export async function writeOutputVersion(
  ctx: AppContext,
  lineage: OutputLineage,
  input: {
    workDir: string;
    declared: string[];
    result: ExecutePipelineResult;
    /** Marks the end of a part of the work (checks, files, rows) for the run's log; `ms`: a part that overlapped others. */
    part?: (name: string, ms?: number) => void;
  },
  /**
   * Records the output version's rows (and whatever must commit with them) in the transaction, and
   * answers them as `findOutput` reads them.
   */
  record: (
    tx: Tx,
    output: {
      id: string;
      label: string;
      createdAt: Date;
      datasets: CheckedDataset[];
      /** Resolves when the files are on the disk under their final name; the commit waits for it anyway. */
      placed: Promise<void>;
    },
  ) => Promise<OutputWithDatasets>,
): Promise<{ id: string; label: string; recorded: OutputWithDatasets }> {
  const part = input.part ?? (() => {});
  const durable = durableFiles(ctx);
  const flushStarted = performance.now();
  // Only files of the run's own folder (checkOutputs refuses any other, after this has started).
  const work = path.resolve(input.workDir);
  const dataFlushed = settledLater(
    durable.files(input.result.outputs.map((o) => path.resolve(o.path)).filter((file) => path.dirname(file) === work)),
  );
  let checked: CheckedDataset[];
  try {
    checked = await checkOutputs(input.workDir, input.declared, input.result);
  } catch (error) {
    await dataFlushed.catch(() => {});
    throw error;
  }
  part('checks');
  const base = studyDir(ctx.config.dataDir, lineage.orgId, lineage.studyId);
  const id = randomUUID();
  const staging = path.join(base, 'temp', runTempName(`output-${id}`));
  await mkdir(staging, { recursive: true });
  let finalDir: string | null = null;
  let pendingNote: string | null = null;
  let placed: Promise<void> | null = null;
  try {
    for (const d of checked) await rename(d.from, path.join(staging, d.file));
    const createdAt = new Date();
    const { dir, label } = await reserveOutputFolder(path.join(base, 'pipeline_output'), createdAt);
    finalDir = dir;
    pendingNote = path.join(base, 'temp', runTempName(`pending-output-${label}`));
    await writeFile(pendingNote, '');
    const manifest = {
      manifestVersion: 1,
      kind: 'pipeline_output',
      outputVersionId: id,
      orgId: lineage.orgId,
      studyId: lineage.studyId,
      label,
      createdAt: createdAt.toISOString(),
      lineage: {
        sourceVersionId: lineage.sourceVersionId,
        upstreamOutputVersionIds: lineage.upstreamOutputIds,
        pipelineId: lineage.pipelineId,
        pipelineName: lineage.pipelineName,
        pipelineVersion: lineage.pipelineVersion,
        runId: lineage.runId,
      },
      datasets: checked.map((d) => ({
        name: d.name,
        label: d.label,
        file: d.file,
        rows: d.rows,
        bytes: d.bytes,
        sha256: d.sha256,
        columns: d.columns,
      })),
    };
    const manifestFile = path.join(staging, 'manifest.json');
    await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    // The rename first (atomic onto the reserved, empty folder: readers see all of the output or
    // none, and none before its row commits), then every flush at once: the data (under way since
    // the checks), the manifest, the folder's names and the name the rename gave it. The row needs
    // all four on the disk before it commits, in no order among themselves; issued together, the
    // file system writes them in one journal commit where one after the other took three.
    await rename(staging, dir);
    part('files');
    placed = settledLater(
      (async () => {
        await Promise.all([
          dataFlushed,
          durable.file(path.join(dir, 'manifest.json')),
          durable.names(dir),
          durable.renamed(dir),
        ]);
        part('flushes', Math.round(performance.now() - flushStarted));
      })(),
    );
    const filesPlaced = placed;
    const recorded = await ctx.database.tenant(lineage.orgId, async (tx) => {
      const rows = await record(tx, { id, label, createdAt, datasets: checked, placed: filesPlaced });
      // The rows name the files: they commit only once the files are on the disk, in place.
      await filesPlaced;
      // As findOutput reads them: what readers of the new version (and its PHI sealing) start from.
      rows.datasets.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
      return rows;
    });
    part('rows');
    return { id, label, recorded };
  } catch (error) {
    // A rename still under way must land before its folder is removed.
    await (placed ?? dataFlushed).catch(() => {});
    if (finalDir) await rm(finalDir, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
    if (pendingNote) await rm(pendingNote, { force: true });
  }
}

/** A promise awaited later: its rejection is handled where it is awaited, not reported as unhandled now. */
function settledLater(work: Promise<void>): Promise<void> {
  work.catch(() => {});
  return work;
}
