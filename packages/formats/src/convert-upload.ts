import { mkdir, open, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ReadInput } from './byte-source.ts';
import { readDatasetJson } from './dataset-json/read-dataset-json.ts';
import { FormatError } from './errors.ts';
import { type MemberRequest, type MemberThread, takeMemberThreads } from './member-threads.ts';
import { readOdm } from './odm/read-odm.ts';
import { ConversionContext } from './parquet/conversion-context.ts';
import { type CsvOptions, convertCsv } from './parquet/convert-csv.ts';
import { readCsvHeader } from './parquet/csv-header.ts';
import { type DuckDbLimits, parseBytes } from './parquet/duckdb.ts';
import { WRITER_BYTES } from './parquet/parquet-file-writer.ts';
import type { ParquetResult } from './parquet/parquet-output.ts';
import { convertParquet } from './parquet/read-parquet.ts';
import { writeParquet } from './parquet/write-parquet.ts';
import { readSas7bdat } from './sas7bdat/read-sas7bdat.ts';
import type { DatasetReader, ReadOptions } from './types.ts';
import { readXlsx } from './xlsx/read-xlsx.ts';
import { readXpt } from './xpt/read-xpt.ts';
import { detectFormat } from './zip/detect-format.ts';
import { openPortableMember, openZipArchive, type ZipMember } from './zip/zip-archive.ts';

export interface ConvertedDataset extends ParquetResult {
  /** The uploaded file (or `archive.zip/entry`) it came from. */
  source: string;
  format: string;
}

export interface ConvertedUpload {
  datasets: ConvertedDataset[];
  skipped: { file: string; reason: string }[];
}

export interface UploadLimits extends DuckDbLimits {
  maxZipBytes?: number;
  maxZipEntries?: number;
  maxZipRatio?: number;
  /** What the user told us about the upload's CSV files, when DuckDB's guesses are wrong. */
  csv?: CsvOptions;
  /**
   * Members of a ZIP converted at once (default: the cores available). A member starts only while
   * the memory limit holds what every member under way may take (`memberBytes`); one always runs.
   */
  memberConcurrency?: number;
  /**
   * Of those members, how many are converted on member threads beside this one (default: all but
   * one; 0 converts every member on this thread, as before issue 17's member threads). Only XPT
   * and SAS7BDAT members read in place go to a member thread.
   */
  memberThreads?: number;
  /**
   * ZIP members up to this size are inflated into one buffer when read, larger ones stream
   * (default `WHOLE_MEMBER_BYTES`).
   */
  wholeMemberBytes?: number;
  /**
   * `false` extracts every ZIP member to the work folder before reading it, as uploads did before
   * members were read in place (the benchmark's reference; default `true`).
   */
  membersInPlace?: boolean;
  /**
   * Files at least this large (XPT and SAS7BDAT) are encoded to Parquet on a thread of their own
   * while the reader reads on (default `ENCODE_THREAD_BYTES`; `Infinity` never does).
   */
  encodeThreadBytes?: number;
}

/**
 * From this size a file's Parquet encoding gets a thread of its own. Below it the thread's first
 * start (a V8 isolate, ~0.1-0.5 s) would cost more than it saves, and an SDTM transfer's domains
 * are mostly far smaller.
 */
export const ENCODE_THREAD_BYTES = 32 * 1024 ** 2;

type Reader = (file: string, options: ReadOptions) => AsyncIterable<DatasetReader>;

/** Readers of a file by path: a ZIP member is extracted for them first. */
const READERS: Record<string, Reader> = {
  xpt: readXpt,
  sas7bdat: readSas7bdat,
  odm: readOdm,
  'dataset-json': readDatasetJson,
  xlsx: readXlsx,
};

/** Readers that also read a ZIP member in place: it inflates straight into them, never to disk. */
const IN_PLACE_READERS: Record<string, (file: ReadInput, options: ReadOptions) => AsyncIterable<DatasetReader>> = {
  xpt: readXpt,
  sas7bdat: readSas7bdat,
};

/** What a file that holds no data is, in the words the upload result shows. */
const NOT_DATA: Record<string, string> = {
  'define-xml': 'define.xml is study metadata, not data',
  sas7bcat: 'SAS format catalog: its value labels are kept with the SAS datasets of this upload',
};

const HEAD_BYTES = 4096;

/** Extensions that only data files carry: content that is none of our formats fails the upload. */
const DATA_EXTENSIONS: Record<string, string> = {
  xpt: 'SAS XPT',
  sas7bdat: 'SAS7BDAT',
  sas7bcat: 'a SAS format catalog',
  parquet: 'Parquet',
  xlsx: 'an Excel workbook',
  xlsm: 'an Excel workbook',
};

/**
 * Turns one uploaded file (a ZIP or a single data file) into Parquet files in `outDir`, one per
 * dataset. All or nothing: any file that looks like data but cannot be read fails the whole upload
 * with "file X: reason" (a half-loaded study is worse than none); files that are not data are
 * listed as skipped with the reason, never dropped silently.
 */
export async function convertUpload(
  file: string,
  fileName: string,
  outDir: string,
  limits: UploadLimits = {},
): Promise<ConvertedUpload> {
  const result: ConvertedUpload = { datasets: [], skipped: [] };
  const format = detectFormat(fileName, await readHead(file));
  await mkdir(outDir, { recursive: true });
  const context = await ConversionContext.open(limits);
  const target = new OutputFiles(outDir);
  try {
    if (format === 'zip') {
      // Members are read in place (XPT and SAS7BDAT inflating straight into the reader); only
      // those whose readers need a file of their own are extracted here, one by one.
      const extractDir = path.join(outDir, '.unzipped');
      const archive = await openZipArchive(
        file,
        extractDir,
        { maxTotalBytes: limits.maxZipBytes, maxEntries: limits.maxZipEntries, maxRatio: limits.maxZipRatio },
        { fileName, wholeMemberBytes: limits.wholeMemberBytes },
      );
      try {
        const members = archive.members;
        // An empty member is a file that lost its data on the way (an export that failed, a copy cut
        // short); loading the archive without it, or as a dataset of invented columns, hides that.
        const empty = members.find((member) => member.bytes === 0);
        if (empty) throw new FormatError('is empty', { file: empty.name });
        const formats = await Promise.all(
          members.map(async (member) => detectFormat(member.path, await member.head(HEAD_BYTES))),
        );
        // A catalog beside the datasets gives coded values their labels (kept in the Parquet metadata).
        const catalog = await members.find((_, i) => formats[i] === 'sas7bcat')?.extract();
        const lanes = Math.max(1, limits.memberConcurrency ?? os.availableParallelism());
        const tasks = members.map((member, i): MemberTask => {
          const memberFormat = formats[i] ?? null;
          const inPlace = limits.membersInPlace !== false && memberFormat !== null && memberFormat in IN_PLACE_READERS;
          const input: UploadInput = {
            input: inPlace ? member : undefined,
            bytes: member.bytes,
            path: () => member.extract(),
            verify: () => member.verify(),
          };
          const memberLimits = { ...limits, catalog, context };
          return {
            index: i,
            bytes: member.bytes,
            reserve: memberBytes(member.bytes, memberFormat),
            local: () => convertOne(input, member.name, memberFormat, target, memberLimits),
            remote: inPlace
              ? (thread) =>
                  convertElsewhere(thread, member, i, memberFormat as 'xpt' | 'sas7bdat', outDir, memberLimits)
              : undefined,
          };
        });
        const remote = tasks.filter((task) => task.remote).length;
        const threads = takeMemberThreads(
          Math.min(limits.memberThreads ?? lanes - 1, lanes - 1, Math.max(0, remote - 1)),
        );
        const budget = parseBytes(limits.memoryLimit ?? '256MB');
        const outcomes = await inLanes(tasks, Math.max(1, lanes - threads.length), threads, budget);
        collect(outcomes, result);
      } finally {
        await archive.close();
        await rm(extractDir, { recursive: true, force: true });
      }
    } else {
      const input: UploadInput = { input: file, bytes: (await stat(file)).size, path: async () => file };
      collect([await settle(() => convertOne(input, fileName, format, target, { ...limits, context }))], result);
    }
  } finally {
    await context.close().catch(() => undefined);
  }
  if (result.datasets.length === 0) {
    const why = result.skipped.map((s) => `${s.file}: ${s.reason}`).join('; ');
    throw new FormatError(`no datasets found${why ? ` (${why})` : ''}`, { file: fileName });
  }
  return result;
}

/** What one file of an upload gave: its datasets, or why it was skipped. */
export type FileOutcome = { datasets: ConvertedDataset[] } | { skipped: { file: string; reason: string } };
type Settled = { ok: true; value: FileOutcome } | { ok: false; error: unknown };

async function settle(task: () => Promise<FileOutcome>): Promise<Settled> {
  try {
    return { ok: true, value: await task() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** One member of a ZIP to convert: here (`local`), or on a member thread when it can be read there. */
interface MemberTask {
  /** Its place in the archive. */
  index: number;
  bytes: number;
  /** Memory it may take while it converts (`memberBytes`). */
  reserve: number;
  local(): Promise<FileOutcome>;
  remote: ((thread: MemberThread) => Promise<FileOutcome>) | undefined;
}

/**
 * Runs `tasks` on `localLanes` lanes of this thread and one lane per member thread, and returns
 * their outcomes in task order. With member threads the largest members start first, so the two
 * threads finish together (a 64 MB LB last would leave one idle); a thread takes only members it
 * can read, and starts once it has loaded. A task starts only while `budget` holds the memory of
 * every task under way with its own (one always runs). After a failure no task after it (in archive order)
 * starts, but earlier ones still run: the upload's error is then the first failing member in
 * archive order, exactly as converting them one after the other would give it. Tasks under way
 * finish, so nothing writes into the work folder once the caller removes it. Threads are kept for
 * the next upload afterwards.
 */
async function inLanes(
  tasks: MemberTask[],
  localLanes: number,
  threads: MemberThread[],
  budget: number,
): Promise<Settled[]> {
  const outcomes: Settled[] = new Array(tasks.length);
  const order = threads.length > 0 ? [...tasks].sort((a, b) => b.bytes - a.bytes || a.index - b.index) : tasks;
  const taken = new Set<number>();
  let failedAt = Number.POSITIVE_INFINITY;
  let reserved = 0;
  let finished: (() => void)[] = [];
  /** The next task this lane may start, waiting while the memory budget holds none of them. */
  const pick = async (remoteOnly: boolean): Promise<MemberTask | undefined> => {
    for (;;) {
      const open = order.filter((t) => !taken.has(t.index) && t.index < failedAt && (!remoteOnly || t.remote));
      if (open.length === 0) return undefined;
      const task = open.find((t) => reserved === 0 || reserved + t.reserve <= budget);
      if (task) {
        taken.add(task.index);
        reserved += task.reserve;
        return task;
      }
      await new Promise<void>((resolve) => finished.push(resolve));
    }
  };
  const run = async (task: MemberTask, work: () => Promise<FileOutcome>) => {
    const outcome = await settle(work);
    if (!outcome.ok) failedAt = Math.min(failedAt, task.index);
    outcomes[task.index] = outcome;
    reserved -= task.reserve;
    const waiting = finished;
    finished = [];
    for (const wake of waiting) wake();
  };
  const local = async () => {
    for (let task = await pick(false); task; task = await pick(false)) await run(task, task.local);
  };
  const locals = Promise.all(Array.from({ length: Math.max(1, Math.min(localLanes, tasks.length)) }, local));
  const remote = async (thread: MemberThread) => {
    // A thread still loading when this thread has taken every member is not waited for.
    await Promise.race([thread.ready, locals]);
    if (!thread.usable) return;
    for (let task = await pick(true); task; task = await pick(true)) {
      const convert = task.remote as (thread: MemberThread) => Promise<FileOutcome>;
      await run(task, () => convert(thread));
    }
  };
  try {
    await Promise.all([locals, ...threads.map(remote)]);
  } finally {
    for (const thread of threads) thread.park();
  }
  return outcomes;
}

/** A ZIP member converted on a member thread: the same reading and writing, its own output names. */
async function convertElsewhere(
  thread: MemberThread,
  member: ZipMember,
  index: number,
  format: 'xpt' | 'sas7bdat',
  outDir: string,
  limits: UploadLimits & { catalog?: string; context: ConversionContext },
): Promise<FileOutcome> {
  const { context: _context, ...plain } = limits;
  const request: MemberRequest = {
    member: await member.portable(),
    source: member.name,
    format,
    outDir,
    prefix: `m${index}-`,
    limits: plain as Record<string, unknown>,
  };
  return (await thread.convert(request)) as FileOutcome;
}

/**
 * The member thread's side of `convertElsewhere`: opens the member on the archive with a handle of
 * its own and converts it as `convertUpload` would here.
 */
export async function convertPortableMember(request: MemberRequest): Promise<FileOutcome> {
  const member = await openPortableMember(request.member);
  const limits = request.limits as UploadLimits & { catalog?: string };
  const context = await ConversionContext.open(limits);
  try {
    const input: UploadInput = {
      input: member,
      bytes: request.member.size,
      path: () => Promise.reject(new Error('a member thread reads members in place only')),
      verify: () => member.verify(),
    };
    return await convertOne(input, request.source, request.format, new OutputFiles(request.outDir, request.prefix), {
      ...limits,
      context,
    });
  } finally {
    await context.close().catch(() => undefined);
    await member.close();
  }
}

/**
 * The upload's result from its files' outcomes, in the archive's order, exactly as converting them
 * one after the other would give it: the first file that failed (in that order) fails the upload,
 * and of two datasets with the same name the later one is refused, naming the earlier.
 */
function collect(outcomes: (Settled | undefined)[], result: ConvertedUpload): void {
  const names = new Map<string, string>();
  for (const outcome of outcomes) {
    // A file never started because an earlier one failed: that failure comes first in this order.
    if (!outcome) continue;
    if (!outcome.ok) throw outcome.error;
    const value = outcome.value;
    if ('skipped' in value) {
      result.skipped.push(value.skipped);
      continue;
    }
    for (const dataset of value.datasets) {
      const key = dataset.name.toLowerCase();
      const other = names.get(key);
      if (other !== undefined) {
        throw new FormatError(`dataset ${dataset.name} also comes from ${other}; upload one of them`, {
          file: dataset.source,
        });
      }
      names.set(key, dataset.source);
      result.datasets.push(dataset);
    }
  }
}

/**
 * Unique file names in the work folder, whatever order datasets finish in; a member thread's names
 * carry a prefix of their own.
 */
class OutputFiles {
  private count = 0;
  constructor(
    readonly dir: string,
    private readonly prefix = '',
  ) {}

  next(name: string): string {
    this.count++;
    return path.join(this.dir, `${fileSafe(name)}-${this.prefix}${this.count}.parquet`);
  }
}

/** A file of the upload: the upload itself, or a member of its ZIP. */
interface UploadInput {
  /** What an in-place reader opens (`IN_PLACE_READERS`); `undefined`: readers get `path()`. */
  input: ReadInput | undefined;
  bytes: number;
  /** A file on disk with its bytes (a member is extracted when this is first asked). */
  path(): Promise<string>;
  /** For a ZIP member: throws the damaged-entry error when it does not inflate whole. */
  verify?(): Promise<void>;
}

async function convertOne(
  upload: UploadInput,
  source: string,
  format: ReturnType<typeof detectFormat>,
  target: OutputFiles,
  limits: UploadLimits & { catalog?: string; context: ConversionContext },
): Promise<FileOutcome> {
  const claimed = DATA_EXTENSIONS[path.extname(source).slice(1).toLowerCase()];
  if (format === null && claimed) {
    // The name promises data the bytes do not hold (a failed export, a renamed file, or worse):
    // skipping it would load the study without a dataset its sender meant to send.
    throw new FormatError(
      `the name says ${claimed}, but the content is not (a damaged or mislabelled file?); export it again`,
      { file: source },
    );
  }
  if (format === null || format === 'zip') {
    // A ZIP at this depth means nesting beyond what the archive allows; it has already refused it.
    return {
      skipped: {
        file: source,
        reason: 'not a supported data file (SAS XPT or SAS7BDAT, CSV, XLSX, Parquet, ODM, Dataset-JSON)',
      },
    };
  }
  const notData = NOT_DATA[format];
  if (notData) return { skipped: { file: source, reason: notData } };
  const stem = path.basename(source).replace(/\.[^.]+$/, '');
  if (
    format === 'csv' &&
    !/\.csv$/i.test(source) &&
    (await readCsvHeader(await upload.path(), { encoding: 'latin-1' })).fields.length < 2
  ) {
    // A .txt that is not delimited text is a note or a readme, not a dataset.
    return { skipped: { file: source, reason: 'text file without delimited columns (not a dataset)' } };
  }
  try {
    if (format === 'csv') {
      const converted = await convertCsv(await upload.path(), target.next(stem), {
        ...limits,
        ...limits.csv,
        fileName: source,
        name: stem,
      });
      return { datasets: [{ ...converted, source, format }] };
    }
    if (format === 'parquet') {
      const converted = await convertParquet(await upload.path(), target.next(stem), {
        ...limits,
        fileName: source,
        name: stem,
      });
      return { datasets: [{ ...converted, source, format }] };
    }
    const read = READERS[format];
    if (!read) throw new FormatError(`no reader for ${format}`, { file: source });
    const single = format === 'sas7bdat' || format === 'dataset-json';
    // Text as UTF-8 bytes straight to the Parquet writer (readers that cannot, ignore it).
    const spill = {
      fileName: source,
      tempDirectory: limits.tempDirectory ?? target.dir,
      textAsBytes: true,
      // writeParquet copies each batch into its column chunks before it asks for the next.
      reuseBatches: true,
    };
    const options = format === 'sas7bdat' && limits.catalog ? { ...spill, catalog: limits.catalog } : spill;
    const datasets: ConvertedDataset[] = [];
    const encodeThread =
      (format === 'xpt' || format === 'sas7bdat') && upload.bytes >= (limits.encodeThreadBytes ?? ENCODE_THREAD_BYTES);
    const inPlace = IN_PLACE_READERS[format];
    const readers = inPlace && upload.input ? inPlace(upload.input, options) : read(await upload.path(), options);
    for await (const reader of readers) {
      // A SAS7BDAT's internal name is often a placeholder ("DATA"); the file name is what users know.
      if (single) reader.info.name = format === 'sas7bdat' ? stem.toUpperCase() : reader.info.name || stem;
      const converted = await writeParquet(reader, target.next(reader.info.name), {
        ...limits,
        fileName: source,
        encodeThread,
      });
      datasets.push({ ...converted, source, format });
    }
    return { datasets };
  } catch (error) {
    // A member is read as it inflates, so the bytes of a damaged one can fail its reader before
    // zlib notices; the damage is then what to tell (as when members were extracted first).
    if (upload.verify && error instanceof FormatError) await upload.verify();
    if (error instanceof FormatError) throw error.location.file ? error : error.withFile(source);
    throw new FormatError(`could not be read (${error instanceof Error ? error.message : String(error)})`, {
      file: source,
    });
  }
}

/**
 * What converting a member may hold in memory: the writer's row group being built and the one being
 * written (`WRITER_BYTES` at most), which for a member smaller than that is at most about twice its
 * own bytes (values are never larger encoded than in an XPT or SAS7BDAT file); readers that need a
 * file of their own (CSV and Parquet through DuckDB, Excel, XML) are counted at the most.
 */
function memberBytes(bytes: number, format: ReturnType<typeof detectFormat>): number {
  if (format !== 'xpt' && format !== 'sas7bdat') return WRITER_BYTES;
  return Math.min(WRITER_BYTES, 2 * bytes + MEMBER_FLOOR_BYTES);
}

/** Buffers every member's reader and writer hold, whatever its size (a window, a batch). */
const MEMBER_FLOOR_BYTES = 4 * 1024 ** 2;

/** A dataset name as a file name: letters, digits, `_` and `-` only, at most 64 characters. */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 64) || 'dataset';
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
