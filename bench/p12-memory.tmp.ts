import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runBuiltCdp, BUILT_MAIN } from '../scripts/cdp-process.ts';
import { startServer } from './server.ts';

const mem = (pid: number) => {
  const s = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (f: string) => Math.round(Number(new RegExp(`^${f}:\\s+(\\d+)`, 'm').exec(s)?.[1]) / 1024);
  return { rss: kb('Rss'), pss: kb('Pss'), anon: kb('Anonymous') };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const builds = { branch: BUILT_MAIN, base: '/tmp/p12-base/apps/server/dist/main.js' };
const server = await startServer({}, { built: true });
try {
  const secrets = JSON.parse(readFileSync(path.join(server.dataDir, 'secrets.json'), 'utf8'));
  const env = readFileSync(`/proc/${server.pid()}/environ`, 'utf8').split('\0');
  const pgPort = env.find((e) => e.startsWith('EMBEDDED_PG_PORT='))!.split('=')[1];
  const adminUrl = `postgres://postgres:${encodeURIComponent(secrets.pgSuperPassword)}@127.0.0.1:${pgPort}/cdp`;
  await sleep(8000);
  console.log('cdp start (branch) idle', mem(server.pid()!));
  for (const round of [1, 2]) {
    for (const [name, main] of Object.entries(builds)) {
      const w = runBuiltCdp('worker', { DATA_DIR: server.dataDir, DATABASE_URL: adminUrl, DATABASE_APP_PASSWORD: secrets.appDbPassword, LOG_LEVEL: 'error', METRICS_PORT: '0' }, [], { main });
      await sleep(15000);
      console.log(`cdp worker ${name} round ${round} after 15 s`, w.child.pid && mem(w.child.pid));
      await w.stop();
    }
  }
} finally {
  await server.cleanup();
}
