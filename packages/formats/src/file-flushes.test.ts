import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertUpload } from './convert-upload.ts';
import { warmMemberThreads } from './member-threads.ts';
import { sharedData } from './test-support.ts';
import { buildZip } from './zip/zip-writer.ts';

/**
 * An upload's Parquet files flushed while its other members convert (issue 17, DATA_FILES_DURABLE):
 * every dataset's file once, before the conversion answers, at most two at a time; a failed flush
 * fails the upload, and nothing is still flushing when it says so.
 */
const PILOT = sharedData('cdiscpilot01', 'sdtm-original');
let dir: string;
let zip: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cdp-file-flushes-'));
  const names = (await readdir(PILOT)).filter((f) => /^(dm|ae|ex|cm|mh|ds)\.xpt$/.test(f));
  const entries = await Promise.all(
    names.map(async (name) => ({ name, data: await readFile(path.join(PILOT, name)) })),
  );
  zip = path.join(dir, 'sdtm.zip');
  await writeFile(zip, buildZip(entries));
  // As the server's conversion worker does: members then also convert on a member thread.
  await warmMemberThreads(1);
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A flush that records what it flushed and how many ran at once, after `delayMs`. */
function countingFlush(delayMs: number, fail?: (file: string) => boolean) {
  const seen = { flushed: [] as string[], running: 0, most: 0 };
  const flush = async (file: string) => {
    seen.running++;
    seen.most = Math.max(seen.most, seen.running);
    try {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (fail?.(file)) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      seen.flushed.push(file);
    } finally {
      seen.running--;
    }
  };
  return { seen, flush };
}

describe('output files flushed during the conversion', () => {
  it('flushes every dataset file once before answering, at most two at a time', async () => {
    const out = await mkdtemp(path.join(dir, 'out-'));
    const { seen, flush } = countingFlush(15);
    const result = await convertUpload(zip, 'sdtm.zip', out, { flushFiles: flush });
    expect(result.datasets).toHaveLength(6);
    expect(result.flushed).toBe(true);
    expect(seen.running).toBe(0);
    expect([...seen.flushed].sort()).toEqual(result.datasets.map((d) => d.file).sort());
    expect(seen.most).toBeLessThanOrEqual(2);
  });

  it('fails the upload with a failed flush, and stops flushing before it answers', async () => {
    const out = await mkdtemp(path.join(dir, 'out-'));
    const { seen, flush } = countingFlush(5, (file) => path.basename(file).startsWith('CM'));
    await expect(convertUpload(zip, 'sdtm.zip', out, { flushFiles: flush })).rejects.toMatchObject({ code: 'EIO' });
    expect(seen.running).toBe(0);
    expect(seen.flushed.some((file) => path.basename(file).startsWith('CM'))).toBe(false);
  });

  it('flushes with fdatasync when told `true`, and says nothing of files it was not asked to flush', async () => {
    const flushed = await convertUpload(zip, 'sdtm.zip', await mkdtemp(path.join(dir, 'out-')), { flushFiles: true });
    expect(flushed.flushed).toBe(true);
    expect(flushed.datasets).toHaveLength(6);
    const plain = await convertUpload(zip, 'sdtm.zip', await mkdtemp(path.join(dir, 'out-')));
    expect(plain.flushed).toBeUndefined();
  });
});
