import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { raveConnector } from '../packages/connectors/src/index.ts';
import { formDatasetWriter, setClinicalParsing } from '../packages/connectors/src/testing.ts';

/**
 * One Rave pull for `npm run bench -- rave`, in a fresh process (its peak RSS is the pull's):
 * pull → produce (the version's Parquet files) → commit, as the runtime does.
 * Usage: rave-pull.ts <url> <stateDir> <scratch> <lastSuccessAt|->
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
await mkdir(scratch, { recursive: true });
const workDir = await mkdtemp(path.join(scratch, 'work-'));
const out = await mkdtemp(path.join(scratch, 'version-'));
const started = performance.now();
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
    stateDir,
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
await rm(workDir, { recursive: true, force: true });
await rm(out, { recursive: true, force: true });
console.log(
  JSON.stringify({
    kind: outcome.kind,
    seconds,
    fetchAndMergeSeconds: pulledMs / 1_000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    // Every thread of the process (parsers, DuckDB, libuv): on a busy machine a second thread can
    // only help if it does not add as much work as it takes off the first.
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    datasets,
    rows,
  }),
);
