import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { benchApiDuringUpload } from './api-during-upload.ts';
import { benchApiStudies } from './api-studies.ts';
import { benchConvert } from './convert.ts';
import { benchDashboard, ensureWebBuild } from './dashboard.ts';
import { ROOT, startServer } from './server.ts';

/**
 * `npm run bench [-- <name>...]`: runs the named benchmarks (all by default) against a real
 * `cdp start`, prints the figures and writes them to bench/results/<name>.json.
 *   startup      first start (fresh DATA_DIR: initdb, migrations, seed) and restart, to ready
 *   api-studies  GET /api/studies with 40 concurrent users for 30 s (BENCH_DURATION to change)
 *   convert      SAS XPT / SAS7BDAT → Parquet beside pandas read_sas (BENCH_CONVERT_ROWS to change)
 *   api-during-upload  the api-studies load while a 400 MB XPT upload converts
 *   dashboard    the 12-widget Clinical Study Overview on a 1,000,000-row LB study: its data cold and
 *                warm, the page drawn in Chromium, and pandas computing the same numbers from CSV
 */
const BENCHMARKS = ['startup', 'api-studies', 'convert', 'api-during-upload', 'dashboard'] as const;
const NEEDS_SERVER: readonly Name[] = ['startup', 'api-studies', 'api-during-upload', 'dashboard'];
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
  if (names.includes('dashboard')) await ensureWebBuild();
  const server = names.some((n) => NEEDS_SERVER.includes(n)) ? await startServer() : null;
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
    if (server && names.includes('api-during-upload'))
      results['api-during-upload'] = await benchApiDuringUpload(server);
    if (server && names.includes('dashboard')) results.dashboard = await benchDashboard(server);
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
