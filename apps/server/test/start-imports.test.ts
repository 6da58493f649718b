import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../scripts/cdp-process.ts';

/**
 * What a `cdp` process loads before it reads its mode (`cdp help` stops right there): a `cdp
 * worker` starts with that and adds only what its jobs load when they run. The export renderers
 * (~170 MB) and the API's routes must not be in it, in the sources run by tsx (`npm start`) nor
 * in the production build, where they are chunks that a dynamic import() loads on first use.
 */

const run = promisify(execFile);
const REGISTER = path.join(import.meta.dirname, 'import-log/register.mjs');
/** Modules only the exports (and the API) need: their presence means the start-up loaded them. */
const NOT_AT_START = [
  /\/packages\/reports\//,
  /\/node_modules\/(pdfkit|pdf-lib|pptxgenjs|echarts|zrender|svg-to-pdfkit|@resvg)\//,
  /\/apps\/server\/src\/app\.ts$/,
  /\/node_modules\/(fastify|@fastify)\//,
  // Tracing's SDK and exporter: only with OTEL_EXPORTER_OTLP_ENDPOINT set.
  /\/node_modules\/@opentelemetry\/(sdk-trace-base|exporter-trace-otlp-http|resources|core)\//,
  // What only some jobs need, loaded by their handlers: data-source pulls (the connectors, ssh2
  // with its 16 MB WebAssembly memory), reports' mail, the widgets of exports and the demo seed.
  /\/packages\/(connectors|widgets)\//,
  /\/node_modules\/(ssh2|ssh2-sftp-client|nodemailer|i18n-iso-countries|topojson-client)\//,
  // Passwords are hashed and checked by the API and the seed only.
  /\/node_modules\/(@node-rs\/argon2|@zxcvbn-ts)/,
  // Modes other than the running one: `cdp seed`, `demo`, `backup`, `secrets`/`keys rotate`.
  /\/apps\/server\/src\/(seed|ops|cli\/(demo-generate|keys-rotate|secrets-rotate))/,
];
/**
 * Readers of upload formats a worker's jobs do not use. The build leaves them out (@cdp/formats
 * declares no side effects, so esbuild drops the modules nothing uses); tsx loads the whole package.
 */
const NOT_IN_BUILD = [/\/node_modules\/(yauzl|saxes)\//];

/** The URLs `node <args> help` imported through the ES module loader. */
async function importsOf(args: string[], log: string): Promise<string[]> {
  await run(process.execPath, ['--import', REGISTER, ...args, 'help'], {
    cwd: ROOT,
    env: { ...process.env, CDP_IMPORT_LOG: log },
  });
  return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
}

let scratch: string;
beforeAll(async () => {
  // Inside the repository: the build's npm imports resolve from its node_modules.
  await mkdir(path.join(ROOT, '.scratch'), { recursive: true });
  scratch = await mkdtemp(path.join(ROOT, '.scratch', 'start-imports-'));
}, 60_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('a cdp process at start', () => {
  it('loads neither the export renderers nor the API under tsx (npm start)', async () => {
    const imported = await importsOf(
      ['--import', 'tsx', path.join(ROOT, 'apps/server/src/main.ts')],
      path.join(scratch, 'tsx.log'),
    );
    // The worker's own code was loaded: the list is the real one, not an empty log.
    expect(imported.some((url) => url.endsWith('/apps/server/src/jobs/registry.ts'))).toBe(true);
    expect(imported.some((url) => url.includes('/node_modules/@duckdb/'))).toBe(true);
    for (const pattern of NOT_AT_START) expect(imported.filter((url) => pattern.test(url))).toEqual([]);
  }, 60_000);

  it('nor in the production build, whose renderers are a chunk of their own', async () => {
    const out = path.join(scratch, 'dist');
    await run(process.execPath, [path.join(ROOT, 'scripts/build-server.mjs'), '--out', out], { cwd: ROOT });
    const imported = await importsOf([path.join(out, 'main.js')], path.join(scratch, 'built.log'));
    expect(imported.some((url) => url.endsWith('/server.mjs'))).toBe(true);
    expect(imported.some((url) => url.includes('/node_modules/@duckdb/'))).toBe(true);
    for (const pattern of [...NOT_AT_START, ...NOT_IN_BUILD]) {
      expect(imported.filter((url) => pattern.test(url))).toEqual([]);
    }
    // The renderers are in the build, in a chunk that server.mjs does not import statically.
    const chunks = (await readdir(out)).filter((name) => /^chunk-.*\.mjs$/.test(name));
    const texts = await Promise.all(chunks.map((name) => readFile(path.join(out, name), 'utf8')));
    expect(texts.filter((text) => /from "pptxgenjs"/.test(text))).toHaveLength(1);
  }, 120_000);
});
