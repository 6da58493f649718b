import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';

let t: TestApp;
let dist: string;
beforeAll(async () => {
  dist = await mkdtemp(path.join(os.tmpdir(), 'cdp-web-'));
  await mkdir(path.join(dist, 'assets'));
  await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>CDP</title><div id="root"></div>');
  await writeFile(path.join(dist, 'assets', 'app-1.js'), 'console.log(1)');
  // As the build writes them beside each text asset (apps/web/build-plugins.ts).
  const big = `export const words = ${JSON.stringify('clinical '.repeat(500))};`;
  await writeFile(path.join(dist, 'assets', 'big-1.js'), big);
  await writeFile(path.join(dist, 'assets', 'big-1.js.br'), brotliCompressSync(big));
  await writeFile(path.join(dist, 'assets', 'big-1.js.gz'), gzipSync(big));
  t = await startTestApp({ webDistDir: dist });
});
afterAll(() => t.close());

describe('web app serving', () => {
  it('serves files of the build, with long caching for hashed assets', async () => {
    const res = await t.request(null, { method: 'GET', url: '/assets/app-1.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('sends the precompressed file to a browser that accepts it, the plain one otherwise', async () => {
    const br = await t.request(null, {
      method: 'GET',
      url: '/assets/big-1.js',
      headers: { 'accept-encoding': 'gzip, deflate, br, zstd' },
    });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers['cache-control']).toContain('immutable');
    expect(String(br.headers.vary)).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(br.rawPayload).toString()).toContain('export const words');
    const gz = await t.request(null, {
      method: 'GET',
      url: '/assets/big-1.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    const plain = await t.request(null, { method: 'GET', url: '/assets/big-1.js', headers: { 'accept-encoding': '' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toContain('export const words');
    // A file the build did not compress (too small) is sent as it is.
    const small = await t.request(null, {
      method: 'GET',
      url: '/assets/app-1.js',
      headers: { 'accept-encoding': 'br' },
    });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.body).toBe('console.log(1)');
  });

  it('serves files added by a rebuild without a restart', async () => {
    await writeFile(path.join(dist, 'assets', 'app-2.js'), 'console.log(2)');
    const res = await t.request(null, { method: 'GET', url: '/assets/app-2.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log(2)');
  });

  it('answers index.html for client-side routes, and 404 for files that do not exist', async () => {
    for (const url of ['/', '/studies', '/users/123?tab=roles']) {
      const res = await t.request(null, { method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    expect((await t.request(null, { method: 'GET', url: '/assets/gone-123.js' })).statusCode).toBe(404);
    expect((await t.request(null, { method: 'GET', url: '/favicon.ico' })).statusCode).toBe(404);
  });

  it('never serves anything outside the build folder', async () => {
    for (const url of ['/../package.json', '/%2e%2e/%2e%2e/etc/passwd', '/assets/../../etc/hostname']) {
      const res = await t.request(null, { method: 'GET', url });
      expect(res.body, url).not.toMatch(/"name"|root:/);
    }
  });

  it('keeps unknown API paths as JSON 404s, and sends security headers', async () => {
    const res = await t.request(null, { method: 'GET', url: '/api/unknown' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
    const page = await t.request(null, { method: 'GET', url: '/' });
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBeDefined();
  });
});
