import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, openAsBlob, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { createDatabase, type Database } from '@cdp/db';
import {
  type ConvertedDataset,
  convertUpload,
  type DatasetReader,
  type RowBatch,
  readXpt,
  writeParquet,
} from '@cdp/formats';
import pg from 'pg';
import type { Author } from '../apps/server/src/auth/author.ts';
import { AccessTokens } from '../apps/server/src/auth/tokens.ts';
import { recordDataVersion } from '../apps/server/src/commands/create-data-version.ts';
import { loadConfig } from '../apps/server/src/config.ts';
import type { AppContext } from '../apps/server/src/lib/context.ts';
import { durableFiles, syncPath } from '../apps/server/src/lib/durable-files.ts';
import { createLogger } from '../apps/server/src/lib/logger.ts';
import { PhaseTimer } from '../apps/server/src/lib/phase-timer.ts';
import { holdRunLock } from '../apps/server/src/lib/process-run.ts';
import { openZipArchive } from '../packages/formats/src/zip/zip-archive.ts';
import { freePort } from '../scripts/cdp-process.ts';
import { cpuSplitSeconds, treeCpuSeconds } from './process-cpu.ts';
import { type BenchServer, demoManagerStudy, startServer } from './server.ts';
import { pilotZip, upload } from './transfer.ts';

/**
 * The pilot SDTM ZIP's upload taken apart into the pieces no implementation can skip (issue 17,
 * x17f), each measured on its own, repeated, as medians of wall and CPU milliseconds, beside pandas
 * in the same run, and the sum of those floors on two cores: whether 3× pandas is reachable on this
 * machine with durable, all-or-nothing versions.
 *   npm run bench -- pilot-floor        (or: node --import tsx bench/pilot-floor.ts)
 *   BENCH_FLOOR_ROUNDS (15): measured rounds of each in-process piece (after 3 uncounted ones);
 *   BENCH_FLOOR_UPLOADS (8): measured uploads of the whole (after 4 uncounted ones).
 * Pieces: (a) the request body received on loopback (to a file, with its SHA-256); (b) every member
 * inflated (node zlib, one call each); (c) our XPT reader over every inflated member, nothing
 * written; (d) our Parquet writer (what uploads use; no DuckDB on this path) over the batches (c)
 * gave, kept in memory; (e) the version's files and folders flushed (fdatasync of the files (d)
 * wrote, side by side, then the folders); (f) the version's PostgreSQL transaction (the product's
 * `recordDataVersion` with the files already converted: its `commit` phase); (g) the whole upload
 * through `cdp start`. CPU of (a)-(e) is this process's (all threads; (a) counts client and server,
 * both in this process); of (f) this process's plus PostgreSQL's; of (g) the server's tree.
 */
const ROUNDS = Math.max(3, Number(process.env.BENCH_FLOOR_ROUNDS ?? 15));
const UPLOADS = Math.max(3, Number(process.env.BENCH_FLOOR_UPLOADS ?? 8));
const WARM_ROUNDS = 3;
const PYTHON = '/usr/bin/python3';
const run = promisify(execFile);

interface Figure {
  wallMs: number;
  cpuMs: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;

const benchStarted = performance.now();
/** A progress line on stderr (stdout carries the figures). */
function progress(step: string): void {
  process.stderr.write(`pilot-floor ${((performance.now() - benchStarted) / 1000).toFixed(1)} s: ${step}\n`);
}

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** `fn` WARM_ROUNDS times uncounted, then `rounds` times: the median wall and CPU of one. */
async function repeated(rounds: number, fn: (round: number) => Promise<void>): Promise<Figure> {
  for (let i = 0; i < WARM_ROUNDS; i++) await fn(-1 - i);
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const cpu = cpuMs();
    const started = performance.now();
    await fn(i);
    walls.push(performance.now() - started);
    cpus.push(cpuMs() - cpu);
  }
  return { wallMs: round1(median(walls)), cpuMs: round1(median(cpus)) };
}

/** A member's compressed bytes as the archive holds them. */
interface Member {
  name: string;
  archive: string;
  dataStart: number;
  compressedSize: number;
  size: number;
  deflated: boolean;
}

async function xptMembers(zip: string, work: string): Promise<Member[]> {
  const archive = await openZipArchive(zip, path.join(work, 'listing'));
  try {
    const members: Member[] = [];
    for (const member of archive.members) {
      if (!/\.xpt$/i.test(member.path)) continue;
      const where = await member.portable();
      members.push({ ...where, name: path.basename(member.path) });
    }
    return members;
  } finally {
    await archive.close();
  }
}

/** (b) One member's compressed bytes read from the archive and inflated in one call. */
async function inflateMember(member: Member): Promise<Buffer> {
  const handle = await open(member.archive, 'r');
  try {
    const compressed = Buffer.allocUnsafe(member.compressedSize);
    await handle.read(compressed, 0, member.compressedSize, member.dataStart);
    return member.deflated ? inflateRawSync(compressed) : compressed;
  } finally {
    await handle.close();
  }
}

/** An inflated member as the readers open a ZIP member read in place. */
function bufferInput(name: string, bytes: Buffer) {
  return {
    name,
    open: async () => ({
      size: bytes.length,
      sequential: false,
      // As a member inflated whole is (BufferedMemberSource): read in place.
      whole: bytes,
      read: async (buffer: Buffer, offset: number, length: number, position: number) => ({
        bytesRead: bytes.copy(buffer, offset, position, Math.min(bytes.length, position + length)),
      }),
      close: async () => undefined,
    }),
  };
}

/** (c) Our reader over one inflated member, as uploads read (text as UTF-8 bytes, batches reused). */
async function readMember(name: string, bytes: Buffer): Promise<number> {
  let rows = 0;
  for await (const reader of readXpt(bufferInput(name, bytes), {
    fileName: name,
    textAsBytes: true,
    reuseBatches: true,
  })) {
    for await (const batch of reader.batches()) rows += batch.length;
  }
  return rows;
}

/** A member's datasets with every batch kept (not reused), for the writer alone. */
interface HeldDataset {
  info: DatasetReader['info'];
  batches: RowBatch[];
}

async function holdMember(name: string, bytes: Buffer): Promise<HeldDataset[]> {
  const held: HeldDataset[] = [];
  for await (const reader of readXpt(bufferInput(name, bytes), { fileName: name, textAsBytes: true })) {
    const batches: RowBatch[] = [];
    for await (const batch of reader.batches()) batches.push(batch);
    held.push({ info: reader.info, batches });
  }
  return held;
}

/** (d) Our Parquet writer over batches already in memory: what `writeParquet` costs without its reader. */
async function writeHeld(dataset: HeldDataset, outFile: string, source: string): Promise<ConvertedDataset> {
  const reader: DatasetReader = {
    info: dataset.info,
    batches: async function* () {
      yield* dataset.batches;
    },
  };
  const written = await writeParquet(reader, outFile, { fileName: source });
  return { ...written, source, format: 'xpt' };
}

/** Per member: the median milliseconds of each piece, in one thread (so wall ≈ CPU when quiet). */
interface MemberCost {
  name: string;
  inflateMs: number;
  readMs: number;
  writeMs: number;
}

/**
 * The conversion's floor on `cores` cores: members cannot be split, so it is at least the largest
 * member's chain and at least the whole CPU over the cores; and what our largest-first lanes would
 * give with these costs (what inLanes in convert-upload.ts does).
 */
function conversionFloor(costs: MemberCost[], cores: number) {
  const chain = (c: MemberCost) => c.inflateMs + c.readMs + c.writeMs;
  const total = costs.reduce((sum, c) => sum + chain(c), 0);
  const largest = Math.max(...costs.map(chain));
  const lanes = new Array(cores).fill(0) as number[];
  for (const cost of [...costs].sort((a, b) => chain(b) - chain(a))) {
    const lane = lanes.indexOf(Math.min(...lanes));
    lanes[lane] = (lanes[lane] ?? 0) + chain(cost);
  }
  return {
    oneCoreMs: round1(total),
    boundMs: round1(Math.max(total / cores, largest)),
    largestFirstLanesMs: round1(Math.max(...lanes)),
    largestMemberMs: round1(largest),
  };
}

/**
 * (b)+(c)+(d) as the product does them: `convertUpload` of the ZIP in this process (listing, format
 * detection, members on this thread and one member thread, largest first), for what the pieces
 * leave out (hand-offs, per-member set-up, the member thread's isolate).
 */
async function conversionAsTheProductDoes(zip: string, work: string): Promise<Figure> {
  return repeated(ROUNDS, async (round) => {
    const out = path.join(work, `converted-${round}`);
    await convertUpload(zip, path.basename(zip), out, { memoryLimit: '256MB', tempDirectory: `${out}.spill` });
    await rm(out, { recursive: true, force: true });
    await rm(`${out}.spill`, { recursive: true, force: true });
  });
}

/** (a) The ZIP posted as multipart to a loopback server that streams the body to a file with its SHA-256. */
async function receiveFloor(zip: string, work: string): Promise<Figure> {
  let n = 0;
  const server = createServer((request, response) => {
    const hash = createHash('sha256');
    request.on('data', (chunk: Buffer) => hash.update(chunk));
    const file = path.join(work, `received-${n++}`);
    pipeline(request, createWriteStream(file))
      .then(() => {
        hash.digest('hex');
        response.end('ok');
        return rm(file, { force: true });
      })
      .catch((error: Error) => response.destroy(error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    return await repeated(ROUNDS, async () => {
      const body = new FormData();
      body.append('file', await openAsBlob(zip), path.basename(zip));
      const res = await fetch(url, { method: 'POST', body });
      await res.text();
    });
  } finally {
    server.close();
  }
}

/** (e) The version's files (copies of (d)'s) and manifest flushed, as `durableFiles` does, and all at once. */
async function flushFloor(converted: ConvertedDataset[], work: string) {
  const contents = await Promise.all(converted.map((d) => readFile(d.file)));
  const manifest = Buffer.alloc(24 * 1024, 0x20);
  const durable = durableFiles({ config: { dataFilesDurable: true } } as Pick<AppContext, 'config'>);
  const sourceData = path.join(work, 'source_data');
  await mkdir(sourceData, { recursive: true });
  /** A version folder in temp/ whose files are written but not flushed (dirty in the page cache). */
  const prepare = async (round: number) => {
    const dir = path.join(work, `temp-${round}`);
    await mkdir(dir, { recursive: true });
    await Promise.all(contents.map((bytes, i) => writeFile(path.join(dir, `d${i}.parquet`), bytes)));
    await writeFile(path.join(dir, 'manifest.json'), manifest);
    return dir;
  };
  const rounds = (flush: (dir: string, target: string) => Promise<void>) => {
    const walls: number[] = [];
    const cpus: number[] = [];
    return {
      walls,
      cpus,
      async once(round: number) {
        const dir = await prepare(round);
        const target = path.join(sourceData, `v-${round}-${Math.random().toString(36).slice(2)}`);
        await mkdir(target);
        const cpu = cpuMs();
        const started = performance.now();
        await flush(dir, target);
        if (round >= 0) {
          walls.push(performance.now() - started);
          cpus.push(cpuMs() - cpu);
        }
        await rm(target, { recursive: true, force: true });
        await rm(dir, { recursive: true, force: true });
      },
    };
  };
  // As the product does: files 4 at a time beside the folder, the rename, the rename's folder.
  const product = rounds(async (dir, target) => {
    await durable.folder(dir);
    await rename(dir, target);
    await durable.renamed(target);
  });
  // The floor: every file at once, the folder, the rename, the rename's folder.
  const allAtOnce = rounds(async (dir, target) => {
    const names = [...contents.keys()].map((i) => path.join(dir, `d${i}.parquet`));
    await Promise.all([
      ...names.map((file) => syncPath(file, 'file')),
      syncPath(path.join(dir, 'manifest.json'), 'file'),
      syncPath(dir, 'folder'),
    ]);
    await rename(dir, target);
    await syncPath(sourceData, 'folder');
  });
  // Alternating, so both meet the same disk.
  for (let round = -WARM_ROUNDS; round < ROUNDS; round++) {
    await product.once(round);
    await allAtOnce.once(round);
  }
  const figure = (r: { walls: number[]; cpus: number[] }) => ({
    wallMs: round1(median(r.walls)),
    cpuMs: round1(median(r.cpus)),
  });
  return { asTheProductDoes: figure(product), allAtOnce: figure(allAtOnce), files: contents.length + 1 };
}

/** pandas in one process: every member inflated (zipfile), then `read_sas` of every member; the whole as `transfer` times it. */
const PANDAS_PARTS = `
import io, json, sys, time, zipfile
import pandas as pd
rounds = int(sys.argv[2])
out = []
for r in range(rounds + 1):
    w0 = time.perf_counter(); c0 = time.process_time()
    with zipfile.ZipFile(sys.argv[1]) as z:
        names = [n for n in z.namelist() if n.lower().endswith('.xpt')]
        data = [z.read(n) for n in names]
    w1 = time.perf_counter(); c1 = time.process_time()
    rows = sum(len(pd.read_sas(io.BytesIO(d), format='xport')) for d in data)
    w2 = time.perf_counter(); c2 = time.process_time()
    if r > 0:
        out.append({"inflateS": w1 - w0, "inflateCpuS": c1 - c0, "readS": w2 - w1, "readCpuS": c2 - c1, "rows": rows})
print(json.dumps(out))
`;

async function pandasParts(zip: string) {
  try {
    const { stdout } = await run(PYTHON, ['-c', PANDAS_PARTS, zip, String(ROUNDS)], { maxBuffer: 1 << 22 });
    const rounds = JSON.parse(stdout.trim()) as {
      inflateS: number;
      inflateCpuS: number;
      readS: number;
      readCpuS: number;
      rows: number;
    }[];
    const ms = (pick: (r: (typeof rounds)[number]) => number) => round1(median(rounds.map(pick)) * 1000);
    return {
      inflate: { wallMs: ms((r) => r.inflateS), cpuMs: ms((r) => r.inflateCpuS) },
      readSas: { wallMs: ms((r) => r.readS), cpuMs: ms((r) => r.readCpuS) },
      whole: { wallMs: ms((r) => r.inflateS + r.readS), cpuMs: ms((r) => r.inflateCpuS + r.readCpuS) },
      rows: rounds[0]?.rows ?? null,
      note: 'one python3 process, pandas imported once, the first round uncounted; whole = zipfile read + read_sas of every .xpt member, as the transfer bench times it',
    };
  } catch (error) {
    console.warn(`pandas could not run: ${(error as Error).message.split('\n')[0]}`);
    return null;
  }
}

/** The running server's PostgreSQL, as its superuser and as the application's role. */
export async function databaseUrls(server: BenchServer, pgPort: number) {
  const secrets = JSON.parse(await readFile(path.join(server.dataDir, 'secrets.json'), 'utf8')) as {
    pgSuperPassword: string;
    appDbPassword: string;
  };
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(secrets.pgSuperPassword)}@127.0.0.1:${pgPort}/cdp`,
    appUrl: `postgres://cdp_app:${encodeURIComponent(secrets.appDbPassword)}@127.0.0.1:${pgPort}/cdp`,
  };
}

/** The server's application URL and the demo manager as an author, for the transaction alone. */
async function serverContext(server: BenchServer, pgPort: number) {
  const { adminUrl, appUrl } = await databaseUrls(server, pgPort);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ id: string; org_id: string; email: string }>(
      `select id, org_id, email from users where email = 'manager@demo.cdp.local'`,
    );
    const user = rows[0];
    if (!user) throw new Error('the demo manager is not in the database');
    const author: Author = {
      type: 'user',
      id: user.id,
      label: user.email,
      orgId: user.org_id,
      orgKind: 'tenant',
      grants: [],
      ip: '127.0.0.1',
      userAgent: 'pilot-floor',
    };
    return { appUrl, author };
  } finally {
    await admin.end();
  }
}

/** One version recorded against a running server: its phases, and its transaction's wall and CPU. */
export interface RecordedVersion {
  phases: [string, number][];
  /** `tenant()`'s wall time, BEGIN to COMMIT (with `measureTransaction` only). */
  transactionMs: number;
  /** This process's and PostgreSQL's CPU while `tenant()` ran (with `measureTransaction` only). */
  transactionCpuMs: number;
  transactionPostgresCpuMs: number;
}

/**
 * Versions recorded as an upload records them (`recordDataVersion`, or another checkout's: `record`),
 * their datasets already converted (`converted`, copied into the work folder), against the running
 * server's PostgreSQL and DATA_DIR; `durable: false` leaves out the files' flushes;
 * `measureTransaction` times the transaction and reads its CPU (PostgreSQL's from /proc, which
 * costs this process milliseconds around each transaction, inside the `commit` phase: leave it off
 * where phases are compared).
 */
export async function versionRecorder(
  server: BenchServer,
  pgPort: number,
  studyId: string,
  converted: ConvertedDataset[],
  zip: string,
  options: { durable: boolean; measureTransaction: boolean },
) {
  const { appUrl, author } = await serverContext(server, pgPort);
  const database: Database = createDatabase({ connectionString: appUrl, max: 2 });
  // The server's sweep would take this process's temp folders for a dead process's leftovers.
  const release = await holdRunLock(appUrl);
  let transaction = { ms: 0, cpuMs: 0, postgresCpuMs: 0 };
  const counted: Database = Object.create(database);
  if (options.measureTransaction) {
    counted.tenant = async (orgId, fn, transactionOptions) => {
      // PostgreSQL's CPU is read from /proc outside this process's CPU and wall windows: reading it
      // costs more than the transaction's own JavaScript.
      const pgCpu = cpuSplitSeconds(server.pid())?.children ?? 0;
      const cpu = cpuMs();
      const started = performance.now();
      try {
        return await database.tenant(orgId, fn, transactionOptions);
      } finally {
        const ms = performance.now() - started;
        const nodeCpuMs = cpuMs() - cpu;
        const postgresCpuMs = ((cpuSplitSeconds(server.pid())?.children ?? 0) - pgCpu) * 1000;
        transaction = { ms, cpuMs: nodeCpuMs + postgresCpuMs, postgresCpuMs };
      }
    };
  }
  const ctx: AppContext = {
    config: loadConfig({
      DATA_DIR: server.dataDir,
      LOG_LEVEL: 'silent',
      DATA_FILES_DURABLE: options.durable ? 'true' : 'false',
    }),
    database: counted,
    log: createLogger('silent'),
    tokens: new AccessTokens('x'.repeat(32), 900),
  };
  const zipBytes = (await stat(zip)).size;
  return {
    async once(record: typeof recordDataVersion = recordDataVersion): Promise<RecordedVersion> {
      const timer = new PhaseTimer();
      await record(ctx, author, {
        studyId,
        source: { fileName: path.basename(zip), bytes: zipBytes, sha256: '0'.repeat(64), kind: 'upload' },
        timer,
        produce: async (work) => {
          const datasets = await Promise.all(
            converted.map(async (d, i) => {
              const file = path.join(work, `${d.name}-${i}.parquet`);
              await copyFile(d.file, file);
              return { ...d, file };
            }),
          );
          return { datasets, skipped: [] };
        },
      });
      return {
        phases: parseTiming(timer.header()),
        transactionMs: transaction.ms,
        transactionCpuMs: transaction.cpuMs,
        transactionPostgresCpuMs: transaction.postgresCpuMs,
      };
    },
    async close() {
      await release();
      await database.close();
    },
  };
}

/**
 * (f) The version's transaction on its own: `recordDataVersion` with its datasets already converted
 * and the flushes left out, so its `commit` phase is the transaction alone (BEGIN to COMMIT, with
 * PostgreSQL's WAL flush); its CPU is this process's and PostgreSQL's during `tenant()`.
 */
async function transactionFloor(
  server: BenchServer,
  pgPort: number,
  studyId: string,
  converted: ConvertedDataset[],
  zip: string,
) {
  const recorder = await versionRecorder(server, pgPort, studyId, converted, zip, {
    durable: false,
    measureTransaction: true,
  });
  const walls: number[] = [];
  const phases: Record<string, number[]> = {};
  const cpu: number[] = [];
  const postgresCpu: number[] = [];
  try {
    for (let round = -WARM_ROUNDS; round < UPLOADS; round++) {
      const recorded = await recorder.once();
      if (round < 0) continue;
      addTiming(phases, recorded.phases);
      walls.push(recorded.transactionMs);
      cpu.push(recorded.transactionCpuMs);
      postgresCpu.push(recorded.transactionPostgresCpuMs);
    }
  } finally {
    await recorder.close();
  }
  return {
    commit: { wallMs: round1(median(walls)), cpuMs: round1(median(cpu)) },
    commitSamplesMs: walls.map(round1),
    commitPostgresCpuMs: round1(median(postgresCpu)),
    sealPhaseMs: round1(median(phases.seal ?? [])),
  };
}

/** Each phase's milliseconds (from `Server-Timing`, or parsed), appended to `into`. */
export function addTiming(into: Record<string, number[]>, timing: string | null | [string, number][]): void {
  for (const [phase, ms] of typeof timing === 'string' || timing === null ? parseTiming(timing) : timing) {
    const samples = into[phase] ?? [];
    samples.push(ms);
    into[phase] = samples;
  }
}

function parseTiming(header: string | null): [string, number][] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [name, dur] = part.trim().split(';dur=');
    return [name ?? '', Number(dur)];
  });
}

/**
 * Waits until the server is idle (under 50 ms of CPU in a second, at most 60 s): its start-up
 * conversion warm-up (CONVERSION_WARM_UP_ROUNDS, ~5 s of CPU) compiles the conversion code as a
 * server up for a while has it; an upload before it ends would stop it (x17p).
 */
export async function settled(server: BenchServer): Promise<void> {
  const until = performance.now() + 60_000;
  let before = treeCpuSeconds(server.pid()) ?? 0;
  while (performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = treeCpuSeconds(server.pid()) ?? 0;
    if (now - before < 0.05) return;
    before = now;
  }
}

/** A server thread's name (`/proc/<pid>/task/<tid>/comm`) from its id's offset as `upload` keys it. */
function threadName(pid: number | undefined, offset: string): string {
  if (pid === undefined) return 'unknown';
  try {
    const name = readFileSync(`/proc/${pid}/task/${pid + Number(offset)}/comm`, 'utf8').trim();
    // Node's worker threads keep the process's name ("node"); V8's and libuv's have their own.
    return Number(offset) === 0 ? 'main' : name === 'node' ? 'conversion and member threads' : name;
  } catch {
    return 'ended';
  }
}

/** (g) The whole upload through `cdp start`: median wall, server CPU (Node and PostgreSQL), each phase. */
async function wholeUpload(server: BenchServer, token: string, studyId: string, zip: string) {
  const uploads: Awaited<ReturnType<typeof upload>>[] = [];
  for (let i = -4; i < UPLOADS; i++) {
    const done = await upload(server, token, studyId, zip);
    if (i >= 0) uploads.push(done);
  }
  const phases: Record<string, number[]> = {};
  for (const u of uploads) addTiming(phases, u.serverTiming);
  // Each upload's CPU by the server's thread names (main "node", V8's "V8 DefaultWorke", libuv's
  // "libuv-worker", the conversion and member threads "WorkerThread"...), for where it goes beyond the pieces.
  const byName: Record<string, number[]> = {};
  for (const u of uploads) {
    const sums: Record<string, number> = {};
    for (const [offset, ms] of Object.entries(u.threads)) {
      const name = threadName(server.pid(), offset);
      sums[name] = (sums[name] ?? 0) + ms;
    }
    addTiming(byName, Object.entries(sums));
  }
  return {
    cpuByThreadMs: Object.fromEntries(Object.entries(byName).map(([name, ms]) => [name, round1(median(ms))])),
    wallMs: round1(median(uploads.map((u) => u.seconds * 1000))),
    cpuMs: round1(median(uploads.map((u) => u.serverCpuMs ?? 0))),
    busiestThreadMs: round1(median(uploads.map((u) => u.busiestThreadMs))),
    serverTimingMs: Object.fromEntries(Object.entries(phases).map(([phase, ms]) => [phase, round1(median(ms))])),
    rows: uploads[0]?.rows ?? 0,
  };
}

export async function benchPilotFloor(): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'cdp-pilot-floor-'));
  const zipWork = path.join(os.tmpdir(), 'cdp-bench-transfer');
  await mkdir(zipWork, { recursive: true });
  const pilot = await pilotZip(zipWork);
  if (!pilot) throw new Error('the CDISC pilot SDTM is not in ../shared/data (cdiscpilot01/sdtm-original)');
  const loadBefore = os.loadavg();
  try {
    const members = await xptMembers(pilot.zip, work);
    const inflated = await Promise.all(members.map(inflateMember));
    const held = await Promise.all(members.map((m, i) => holdMember(m.name, inflated[i] as Buffer)));
    const out = path.join(work, 'parquet');
    await mkdir(out, { recursive: true });

    // (b), (c), (d): each member on its own, every piece timed per member (one thread).
    const costs: MemberCost[] = [];
    let converted: ConvertedDataset[] = [];
    const wholeB: number[] = [];
    const wholeC: number[] = [];
    const wholeD: number[] = [];
    const cpuB: number[] = [];
    const cpuC: number[] = [];
    const cpuD: number[] = [];
    const perMember = members.map(() => ({ b: [] as number[], c: [] as number[], d: [] as number[] }));
    let rows = 0;
    for (let round = -WARM_ROUNDS; round < ROUNDS; round++) {
      const roundConverted: ConvertedDataset[] = [];
      let roundRows = 0;
      const timed = async (samples: number[], fn: () => Promise<unknown>) => {
        const started = performance.now();
        await fn();
        if (round >= 0) samples.push(performance.now() - started);
      };
      let cpu = cpuMs();
      let t = performance.now();
      for (const [i, member] of members.entries()) await timed(perMember[i]?.b ?? [], () => inflateMember(member));
      if (round >= 0) {
        wholeB.push(performance.now() - t);
        cpuB.push(cpuMs() - cpu);
      }
      cpu = cpuMs();
      t = performance.now();
      for (const [i, member] of members.entries()) {
        await timed(perMember[i]?.c ?? [], async () => {
          roundRows += await readMember(member.name, inflated[i] as Buffer);
        });
      }
      if (round >= 0) {
        wholeC.push(performance.now() - t);
        cpuC.push(cpuMs() - cpu);
      }
      cpu = cpuMs();
      t = performance.now();
      for (const [i, member] of members.entries()) {
        await timed(perMember[i]?.d ?? [], async () => {
          for (const dataset of held[i] ?? []) {
            const file = path.join(out, `${dataset.info.name}-${round + WARM_ROUNDS}.parquet`);
            roundConverted.push(await writeHeld(dataset, file, `${path.basename(pilot.zip)}/${member.name}`));
          }
        });
      }
      if (round >= 0) {
        wholeD.push(performance.now() - t);
        cpuD.push(cpuMs() - cpu);
      }
      rows = roundRows;
      // Keep the last round's files for (e) and (f); remove the others.
      await Promise.all(converted.map((d) => rm(d.file, { force: true })));
      converted = roundConverted;
    }
    for (const [i, member] of members.entries()) {
      const samples = perMember[i] as { b: number[]; c: number[]; d: number[] };
      costs.push({
        name: member.name,
        inflateMs: round1(median(samples.b)),
        readMs: round1(median(samples.c)),
        writeMs: round1(median(samples.d)),
      });
    }
    const inflate = { wallMs: round1(median(wholeB)), cpuMs: round1(median(cpuB)) };
    const read = { wallMs: round1(median(wholeC)), cpuMs: round1(median(cpuC)) };
    const write = { wallMs: round1(median(wholeD)), cpuMs: round1(median(cpuD)) };
    // The batches held for the writer are garbage from here: no later piece collects them.
    held.length = 0;
    inflated.length = 0;
    progress('inflate, read, write done');
    const conversionTogether = await conversionAsTheProductDoes(pilot.zip, work);
    progress('convertUpload done');
    const receive = await receiveFloor(pilot.zip, work);
    progress('receive done');
    const flush = await flushFloor(converted, work);
    progress('flushes done');
    const pandas = await pandasParts(pilot.zip);
    progress('pandas done');

    // (f) and (g) need a server: `cdp start` as the transfer bench runs it.
    const pgPort = await freePort();
    // Dashboards warmed at start would take the cores while the uploads are measured.
    const server = await startServer({ EMBEDDED_PG_PORT: String(pgPort), DASHBOARD_WARM_AT_START: 'false' });
    progress(`cdp start ready after ${(server.readyMs / 1000).toFixed(1)} s`);
    await settled(server);
    progress('server settled (its conversion warm-up done)');
    let transaction: Awaited<ReturnType<typeof transactionFloor>>;
    let whole: Awaited<ReturnType<typeof wholeUpload>>;
    try {
      const { token, studyId } = await demoManagerStudy(server);
      whole = await wholeUpload(server, token, studyId, pilot.zip);
      progress('uploads done');
      transaction = await transactionFloor(server, pgPort, studyId, converted, pilot.zip);
      progress('transactions done');
    } finally {
      await server.cleanup();
    }

    const conversion = conversionFloor(costs, 2);
    // The transaction's floor: the lower of it alone (f) and the server's own uploads' `commit` phase.
    const commitMs = Math.min(transaction.commit.wallMs, whole.serverTimingMs.commit ?? Number.POSITIVE_INFINITY);
    const floorMs = receive.wallMs + conversion.boundMs + flush.allAtOnce.wallMs + commitMs;
    // The same sum in CPU (the conversion's over two cores; the flushes' and the commit's waits for
    // the disk left out): a lower bound that a loaded machine inflates about as much as pandas' CPU.
    const cpuFloorMs =
      receive.cpuMs + (inflate.cpuMs + read.cpuMs + write.cpuMs) / 2 + flush.allAtOnce.cpuMs + transaction.commit.cpuMs;
    const pandasMs = pandas?.whole.wallMs ?? null;
    const target = pandasMs === null ? null : round1(pandasMs / 3);
    return {
      zip: pilot.zip,
      zipBytes: (await stat(pilot.zip)).size,
      members: members.length,
      inflatedBytes: members.reduce((sum, m) => sum + m.size, 0),
      rows,
      pandasRows: pandas?.rows ?? null,
      uploadRows: whole.rows,
      rounds: ROUNDS,
      uploads: UPLOADS,
      loadAverage: { before: loadBefore.map((l) => round1(l)), after: os.loadavg().map((l) => round1(l)) },
      floors: {
        a_receive: receive,
        b_inflate: inflate,
        c_read: read,
        d_write: write,
        bcd_convertUploadInProcess: conversionTogether,
        e_flush: flush,
        f_transaction: transaction,
        g_wholeUpload: whole,
      },
      perMember: costs,
      conversionOnTwoCores: conversion,
      pandas,
      sumOfFloorsOnTwoCoresMs: round1(floorMs),
      sumNote:
        "receive + max(inflate+read+write over 2 cores, the largest member) + flushes all at once + the commit (the lower of (f) and the uploads' commit phase), one after the other (each needs the one before)",
      cpuFloorOnTwoCoresMs: round1(cpuFloorMs),
      cpuTargetMs: pandas ? round1(pandas.whole.cpuMs / 3) : null,
      cpuFloorOverCpuTarget: pandas ? round1(cpuFloorMs / (pandas.whole.cpuMs / 3)) : null,
      targetMs: target,
      floorOverTarget: target === null ? null : round1(floorMs / target),
      wholeOverFloor: round1(whole.wallMs / floorMs),
      speedupWhole: pandasMs === null ? null : round1(pandasMs / whole.wallMs),
      speedupFloor: pandasMs === null ? null : round1(pandasMs / floorMs),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function printTable(result: Record<string, unknown>): void {
  const floors = result.floors as Record<string, Record<string, unknown>>;
  const line = (label: string, figure: Figure | undefined) =>
    console.log(
      `${label.padEnd(44)} ${String(figure?.wallMs ?? '-').padStart(8)} ${String(figure?.cpuMs ?? '-').padStart(8)}`,
    );
  console.log(`${'piece (median ms)'.padEnd(44)} ${'wall'.padStart(8)} ${'cpu'.padStart(8)}`);
  line('(a) receive the body on loopback', floors.a_receive as unknown as Figure);
  line('(b) inflate every member (zlib)', floors.b_inflate as unknown as Figure);
  line('(c) our reader over every member', floors.c_read as unknown as Figure);
  line('(d) our Parquet writer, every dataset', floors.d_write as unknown as Figure);
  line('(b+c+d) convertUpload in process (2 threads)', floors.bcd_convertUploadInProcess as unknown as Figure);
  const flush = floors.e_flush as { asTheProductDoes: Figure; allAtOnce: Figure };
  line('(e) flushes, as the product does', flush.asTheProductDoes);
  line('(e) flushes, all at once', flush.allAtOnce);
  line('(f) the version transaction (commit)', (floors.f_transaction as { commit: Figure }).commit);
  line('(g) the whole upload (server CPU)', floors.g_wholeUpload as unknown as Figure);
  const pandas = result.pandas as { inflate: Figure; readSas: Figure; whole: Figure } | null;
  line('pandas: zipfile inflate', pandas?.inflate);
  line('pandas: read_sas of every member', pandas?.readSas);
  line('pandas: whole', pandas?.whole);
  const conversion = result.conversionOnTwoCores as Record<string, number>;
  console.log(
    `conversion (b+c+d) on one core ${conversion.oneCoreMs} ms, on two at best ${conversion.boundMs} ms (largest member ${conversion.largestMemberMs})`,
  );
  console.log(
    `in CPU: the floors' sum on 2 cores ${result.cpuFloorOnTwoCoresMs} ms against pandas' CPU / 3 = ${result.cpuTargetMs} ms (${result.cpuFloorOverCpuTarget}×)`,
  );
  console.log(
    `sum of floors on 2 cores ${result.sumOfFloorsOnTwoCoresMs} ms; 3× pandas needs ${result.targetMs} ms (floor / target ${result.floorOverTarget}); whole upload ${(floors.g_wholeUpload as { wallMs: number }).wallMs} ms = ${result.wholeOverFloor}× the floor`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchPilotFloor();
  printTable(result);
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}

export { printTable };
