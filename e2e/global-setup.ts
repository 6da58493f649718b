import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, runCdp, waitUntilReady } from '../scripts/cdp-process.ts';
import { DEMO_PASSWORD } from './support/constants.ts';
import { e2eServerCount, serverEnv } from './support/servers.ts';

/**
 * Starts one `cdp start` per server project (playwright.config.ts), each in a fresh data folder on
 * free ports, all at once, and returns the teardown. The folders are under the system temp folder:
 * the embedded PostgreSQL runs as another user and must reach them.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const started: { stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((s) => s.stop()));
  };
  // allSettled: a server that fails must not leave the others starting after the teardown ran.
  const results = await Promise.allSettled(
    Array.from({ length: e2eServerCount() }, async (_, index) => {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cdp-e2e-'));
      await chmod(dataDir, 0o755);
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const importRoot = path.join(dataDir, 'import');
      const cdp = runCdp('start', {
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        EMBEDDED_PG_PORT: String(await freePort()),
        // A server made for this run: PostgreSQL need not wait for the disk at each commit.
        EMBEDDED_PG_DURABLE: 'false',
        DATA_FILES_DURABLE: 'false',
        CDP_DEMO_PASSWORD: DEMO_PASSWORD,
        LOG_LEVEL: 'warn',
        // The webhooks spec runs its receiver on 127.0.0.1 over plain HTTP.
        WEBHOOK_ALLOW_PRIVATE: 'true',
        // The data-sources spec drops files into a watched folder here.
        IMPORT_ROOT: importRoot,
      });
      started.push({
        stop: async () => {
          await cdp.stop();
          await rm(dataDir, { recursive: true, force: true });
        },
      });
      // CDP_E2E_READY_MS: a longer wait on a loaded machine.
      await waitUntilReady(baseUrl, cdp, Number(process.env.CDP_E2E_READY_MS ?? 120_000));
      const env = serverEnv(index);
      process.env[env.baseUrl] = baseUrl;
      process.env[env.importRoot] = importRoot;
    }),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  return stopAll;
}
