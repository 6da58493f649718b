import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { raveConnector } from '../packages/connectors/src/index.ts';
import { formDatasetWriter, setClinicalParsing, statePartsLimit } from '../packages/connectors/src/testing.ts';

/**
 * One Rave pull for `npm run bench -- rave`, in a fresh process (its peak RSS is the pull's):
 * pull → produce (the version's Parquet files) → commit, as the runtime does.
 * Usage: rave-pull.ts <url> <stateDir> <scratch> <lastSuccessAt|->
 * BENCH_RAVE_WARM=1: the same pull again in the same process, from a copy of the state taken
 * before the first, as a long-lived `cdp worker` runs its next pull (DuckDB's native module loaded,
 * its code and ours run before); a second line of figures. BENCH_RAVE_TIMELINE=1: every DuckDB
 * statement on stderr with its wall time and the process's CPU meanwhile.
 */
const [url, stateDir, scratch, last] = process.argv.slice(2) as [string, string, string, string];
// BENCH_RAVE_WORKERS=0 parses the clinical data on the pull's own thread (the one-thread figure).
if (process.env.BENCH_RAVE_WORKERS !== undefined)
  setClinicalParsing({ workers: Number(process.env.BENCH_RAVE_WORKERS) });
// BENCH_RAVE_BYTES=0 reads every piece of clinical data as text (XmlScanner), not from its bytes
// (clinical-bytes.ts): the byte scanner's gain in a same-run A/B.
if (process.env.BENCH_RAVE_BYTES === '0') setClinicalParsing({ byteScanner: false });
// BENCH_RAVE_FORM_WRITER=own writes the form datasets with our Parquet writer (the writer comparison;
// DuckDB's COPY is the default).
if (process.env.BENCH_RAVE_FORM_WRITER === 'own' || process.env.BENCH_RAVE_FORM_WRITER === 'duckdb')
  formDatasetWriter.value = process.env.BENCH_RAVE_FORM_WRITER;
// BENCH_RAVE_STATE_PARTS=0 writes every changed form's state whole (no parts): the parts' A/B.
if (process.env.BENCH_RAVE_STATE_PARTS === '0') statePartsLimit.count = 0;
if (process.env.BENCH_RAVE_TIMELINE === '1') await logStatements();
await mkdir(scratch, { recursive: true });
const warm = process.env.BENCH_RAVE_WARM === '1';
const again = `${stateDir}-again`;
if (warm) {
  await mkdir(stateDir, { recursive: true }); // a full pull's state starts empty
  await cp(stateDir, again, { recursive: true });
}
await pullOnce(stateDir, 'cold');
if (warm) {
  await pullOnce(again, 'warm');
  await rm(again, { recursive: true, force: true });
}

/** One pull, produce and commit; prints its figures as one JSON line (the last line is the cold or only pull's). */
async function pullOnce(state: string, run: 'cold' | 'warm') {
  const workDir = await mkdtemp(path.join(scratch, 'work-'));
  const out = await mkdtemp(path.join(scratch, 'version-'));
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const outcome = await raveConnector.pull(
    {
      baseUrl: url,
      auth: 'basic',
      username: 'rave-user',
      project: 'CDP01',
      environment: 'Prod',
      includeAudit: false,
      pageSize: 1_000,
      timeoutSeconds: 600,
    },
    'rave-password',
    {
      signal: new AbortController().signal,
      workDir,
      stateDir: state,
      lastSuccessAt: last === '-' ? null : new Date(last),
      progress: () => undefined,
      log: (level, message) => console.error(`[${level}] ${message}`),
    },
  );
  let rows = 0;
  let datasets = 0;
  let pulledMs = 0;
  if (outcome.kind === 'datasets') {
    pulledMs = performance.now() - started;
    const upload = await outcome.produce(out);
    console.error(
      `[info] produced ${upload.datasets.length} datasets by ${((performance.now() - started) / 1_000).toFixed(1)} s`,
    );
    await outcome.commit();
    datasets = upload.datasets.length;
    rows = upload.datasets.reduce((n, d) => n + d.rows, 0);
  }
  const seconds = (performance.now() - started) / 1_000;
  const pullCpu = process.cpuUsage(cpuAtStart);
  await rm(workDir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
  const line = JSON.stringify({
    kind: outcome.kind,
    seconds,
    fetchAndMergeSeconds: pulledMs / 1_000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    // Every thread of the process (parsers, DuckDB, libuv): on a busy machine a second thread can
    // only help if it does not add as much work as it takes off the first.
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    // The same from the pull's start (no process start or module loading).
    pullCpuSeconds: (pullCpu.user + pullCpu.system) / 1e6,
    process: run,
    datasets,
    rows,
  });
  // The bench reads the last line of stdout: the cold pull's, as before; the warm one goes to stderr.
  if (run === 'warm') console.error(`[warm] ${line}`);
  else console.log(line);
}

async function logStatements() {
  const { DuckDBConnection } = await import('@duckdb/node-api');
  const proto = DuckDBConnection.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const t0 = performance.now();
  // `runAndReadAll` runs through `run`: both are wrapped, so such a statement is logged twice.
  for (const name of ['run', 'stream']) {
    const original = proto[name] as (...args: unknown[]) => Promise<unknown>;
    proto[name] = async function (this: unknown, ...args: unknown[]) {
      const wall = performance.now();
      const cpu = process.cpuUsage();
      try {
        return await original.apply(this, args);
      } finally {
        const used = process.cpuUsage(cpu);
        const sql = String(args[0]).replace(/\s+/g, ' ').slice(0, 110);
        console.error(
          `[timeline] at ${((wall - t0) / 1e3).toFixed(3)} s +${(performance.now() - wall).toFixed(1)} ms wall, ${((used.user + used.system) / 1e3).toFixed(1)} ms CPU: ${sql}`,
        );
      }
    };
  }
}
