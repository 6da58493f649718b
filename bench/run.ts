import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { benchApiDuringUpload } from './api-during-upload.ts';
import { API_KEYS_BENCH_ENV, benchApiKeys } from './api-keys.ts';
import { benchApiStudies } from './api-studies.ts';
import { benchCluster } from './cluster.ts';
import { benchConvert } from './convert.ts';
import { benchDashboard, ensureWebBuild } from './dashboard.ts';
import { benchExport } from './export.ts';
import { benchPilotFloor, printTable } from './pilot-floor.ts';
import { benchPipeline } from './pipeline.ts';
import { benchRave } from './rave.ts';
import { benchReview } from './review.ts';
import { benchSandbox } from './sandbox.ts';
import { ROOT, startServer } from './server.ts';
import { benchTransfers } from './transfer.ts';
import { benchWebhooks } from './webhooks.ts';

/**
 * `npm run bench [-- <name>...]`: runs the named benchmarks (all by default) against a real
 * `cdp start`, prints the figures and writes them to bench/results/<name>.json.
 *   startup      first start (fresh DATA_DIR: initdb, migrations, seed) and restart, to ready
 *   api-studies  GET /api/studies with 40 concurrent users for 30 s (BENCH_DURATION to change)
 *   convert      SAS XPT / SAS7BDAT → Parquet beside pandas read_sas (BENCH_CONVERT_ROWS to change;
 *                BENCH_CONVERT_1GB=1 adds the 1 GB XPT, =only measures it alone; BENCH_CONVERT_FILES=rdc,32-bit
 *                measures only those generated files: xpt, sas, rle, rdc, 32-bit, big-endian)
 *   transfer     multi-domain ZIPs (the CDISC pilot SDTM, the 3,000-subject demo study as XPT) uploaded
 *                over HTTP until committed, beside pandas reading every member from the same ZIP
 *   pilot-floor  the pilot SDTM ZIP's upload taken apart (issue 17): each piece no implementation can skip
 *                (receive, inflate, read, write, durable flushes, the version's transaction) on its own, repeated,
 *                beside the whole upload and pandas, and the sum of those floors on two cores (BENCH_FLOOR_ROUNDS,
 *                BENCH_FLOOR_UPLOADS); starts its own cdp start
 *   api-during-upload  the api-studies load while a 400 MB XPT upload converts
 *   dashboard    the 12-widget Clinical Study Overview on a 1,000,000-row LB study: its data cold and
 *                warm, the page drawn in Chromium, and pandas computing the same numbers from CSV
 *                (BENCH_DASHBOARD=data: no page; =page: the page alone; =ab: one server setting against
 *                another, BENCH_AB_ENV=BENCH_AB_VALUES a,b, in ABBA phases, BENCH_AB_ROUNDS, 2; or this tree's
 *                code against another checkout's, BENCH_AB_BASELINE=<dir>; BENCH_AB_WARMUP=1, an uncounted first phase)
 *   pipeline     DSL pipelines (the specification's example; a 1,000,000-row LB derivation) beside pandas: the
 *                engine's work on both sides, and the example's whole run (POST …/runs → SUCCEEDED beside
 *                `python3 script.py` per pipeline; BENCH_PIPELINES=whole for that part alone), and the
 *                memory of the process a run runs in (a `cdp worker`, and `cdp start`; BENCH_PIPELINES=memory)
 *   sandbox      the Python sandbox's start-up: a pipeline script's first line beside plain python3
 *   api-keys     40 API-key clients beside 40 signed-in users on GET /api/studies, then on widget data, in ABBA
 *                order (BENCH_DURATION s per phase, 15; BENCH_API_KEYS_WARMUP, 5; BENCH_API_KEYS_ROUNDS, 1;
 *                BENCH_API_KEYS_IDLE, 3: seconds without load before each phase, the server's own CPU measured)
 *   webhooks     1,000 events (Send test) delivered by the worker to a local receiver: time and failures
 *   rave         a simulated 1,000-subject Rave study: full and incremental pulls beside requests + iterparse + pandas
 *   review       eDISH, shift table, lab trends and the patient profile (API and page) on the 1,000,000-row LB study,
 *                cold and warm, each view alone (issue 19)
 *   cluster      2 × cdp api + 2 × cdp worker (production build) on one PostgreSQL beside one cdp start:
 *                3 organizations × 40 users for BENCH_DURATION s (60), a pipeline and an export every 5 s (issue 18)
 */
const BENCHMARKS = [
  'startup',
  'api-studies',
  'convert',
  'transfer',
  'pilot-floor',
  'api-during-upload',
  'dashboard',
  'pipeline',
  'sandbox',
  'api-keys',
  'webhooks',
  'export',
  'rave',
  'review',
  'cluster',
] as const;
const NEEDS_SERVER: readonly Name[] = [
  'startup',
  'api-studies',
  'convert',
  'transfer',
  'api-during-upload',
  'dashboard',
  'api-keys',
  'webhooks',
  'export',
  'review',
];
type Name = (typeof BENCHMARKS)[number];

async function main() {
  const requested = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = requested.filter((r) => !BENCHMARKS.includes(r as Name));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${BENCHMARKS.join(', ')}.`);
    process.exit(2);
  }
  const names = (requested.length > 0 ? requested : BENCHMARKS) as Name[];
  const results: Record<string, unknown> = {};

  if (names.includes('convert')) results.convert = await benchConvert();
  if (names.includes('pilot-floor')) {
    const floor = await benchPilotFloor();
    printTable(floor);
    results['pilot-floor'] = floor;
  }
  if (names.includes('pipeline')) results.pipeline = await benchPipeline();
  if (names.includes('sandbox')) results.sandbox = await benchSandbox();
  if (names.includes('rave')) results.rave = await benchRave();
  if (names.includes('cluster')) results.cluster = await benchCluster();
  if (names.includes('dashboard') || names.includes('export') || names.includes('review')) await ensureWebBuild();
  // BENCH_CONVERT_1GB=only measures the 1 GB XPT alone, BENCH_CONVERT_FILES some generated files: no server, no transfers.
  const transfers =
    names.includes('transfer') ||
    (names.includes('convert') && process.env.BENCH_CONVERT_1GB !== 'only' && !process.env.BENCH_CONVERT_FILES);
  const server = names.some((n) => NEEDS_SERVER.includes(n) && (n !== 'convert' || transfers))
    ? await startServer(names.includes('api-keys') ? API_KEYS_BENCH_ENV : {})
    : null;
  try {
    if (server && names.includes('startup')) {
      const restartMs = await server.restart();
      results.startup = {
        firstStartToReadyMs: Math.round(server.readyMs),
        restartToReadyMs: Math.round(restartMs),
        note: 'cdp start, fresh DATA_DIR (initdb + migrations + seed), then SIGTERM and start again',
      };
    }
    if (server && names.includes('api-studies')) results['api-studies'] = await benchApiStudies(server);
    // The multi-domain transfers belong to the conversion benchmark too (issue 17).
    if (server && transfers) results.transfer = await benchTransfers(server);
    if (server && names.includes('api-during-upload'))
      results['api-during-upload'] = await benchApiDuringUpload(server);
    if (server && names.includes('dashboard')) results.dashboard = await benchDashboard(server);
    if (server && names.includes('api-keys')) results['api-keys'] = await benchApiKeys(server);
    // BENCH_API_KEYS_BASELINE=1: the same load on a second server with the actor cache and the
    // batched rate-limit counts off (every request asks PostgreSQL), for a before/after in one run.
    if (server && names.includes('api-keys') && process.env.BENCH_API_KEYS_BASELINE === '1') {
      await server.stop();
      const baseline = await startServer({ ...API_KEYS_BENCH_ENV, ACTOR_CACHE_SECONDS: '0', RATE_LIMIT_FLUSH_MS: '0' });
      try {
        results['api-keys-baseline'] = await benchApiKeys(baseline);
      } finally {
        await baseline.cleanup();
      }
    }
    if (server && names.includes('webhooks')) results.webhooks = await benchWebhooks(server);
    if (server && names.includes('export')) results.export = await benchExport(server);
    if (server && names.includes('review')) results.review = await benchReview(server);
  } finally {
    await server?.cleanup();
  }

  const dir = path.join(ROOT, 'bench/results');
  await mkdir(dir, { recursive: true });
  const meta = { date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length };
  for (const [name, figures] of Object.entries(results)) {
    await writeFile(
      path.join(dir, `${name}.json`),
      `${JSON.stringify({ ...meta, ...(figures as object) }, null, 2)}\n`,
    );
  }
  console.log(JSON.stringify({ ...meta, results }, null, 2));
}

await main();
