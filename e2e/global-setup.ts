import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, runCdp, waitUntilReady } from '../scripts/cdp-process.ts';
import { DEMO_PASSWORD } from './support/constants.ts';

/**
 * Starts `cdp start` in a fresh data folder on free ports and returns the teardown. The folder is
 * under the system temp folder: the embedded PostgreSQL runs as another user and must reach it.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cdp-e2e-'));
  await chmod(dataDir, 0o755);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const cdp = runCdp('start', {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    EMBEDDED_PG_PORT: String(await freePort()),
    CDP_DEMO_PASSWORD: DEMO_PASSWORD,
    LOG_LEVEL: 'warn',
    // The webhooks spec runs its receiver on 127.0.0.1 over plain HTTP.
    WEBHOOK_ALLOW_PRIVATE: 'true',
    // The data-sources spec drops files into a watched folder here.
    IMPORT_ROOT: path.join(dataDir, 'import'),
  });
  const stop = async () => {
    await cdp.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // CDP_E2E_READY_MS: a longer wait on a loaded machine.
    await waitUntilReady(baseUrl, cdp, Number(process.env.CDP_E2E_READY_MS ?? 90_000));
  } catch (error) {
    await stop();
    throw error;
  }
  process.env.CDP_E2E_BASE_URL = baseUrl;
  process.env.CDP_E2E_IMPORT_ROOT = path.join(dataDir, 'import');
  return stop;
}
