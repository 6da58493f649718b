import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { convertUpload, type UploadLimits } from './convert-upload.ts';
import { FormatError } from './errors.ts';
import { keepMemberThreads, takeMemberThreads, warmMemberThreads } from './member-threads.ts';
import { sharedData } from './test-support.ts';
import { buildZip, type TestZipEntry } from './zip/zip-writer.ts';

/**
 * ZIP members converted on a member thread beside the conversion thread (issue 17): the same
 * Parquet bytes, manifest entries and refusals as converting every member on one thread, in the
 * archive's order; the largest members start first, yet the error told is still the first failing
 * member in archive order.
 */
const PILOT = sharedData('cdiscpilot01', 'sdtm-original');
/** Every member on the calling thread, one at a time: how uploads converted before member threads. */
const ONE_THREAD: UploadLimits = { memberThreads: 0, memberConcurrency: 1 };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cdp-member-threads-'));
  // Loaded before the first upload, as the server's conversion worker does at its start: a thread
  // still loading takes no member, so a test could otherwise pass on the calling thread alone.
  await warmMemberThreads(1);
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function zipOf(entries: TestZipEntry[]): Promise<string> {
  const file = path.join(dir, `upload-${++counter}.zip`);
  await writeFile(file, buildZip(entries));
  return file;
}

async function pilotMember(name: string): Promise<TestZipEntry> {
  return { name, data: await readFile(path.join(PILOT, name)) };
}

/** The upload's outcome, and the output files the conversion wrote (before the version names them). */
async function convert(zip: string, limits: UploadLimits) {
  const out = await mkdtemp(path.join(dir, 'out-'));
  try {
    const result = await convertUpload(zip, 'sdtm.zip', out, limits);
    return {
      datasets: result.datasets.map((d) => ({ ...d, file: undefined })),
      skipped: result.skipped,
      files: result.datasets.map((d) => path.basename(d.file)),
    };
  } catch (error) {
    return { refused: error };
  }
}

describe('ZIP members on member threads', () => {
  it('gives every pilot SDTM dataset the bytes, rows and columns one thread gives, in archive order', async () => {
    const names = (await readdir(PILOT)).filter((f) => /\.(xpt|xml)$/.test(f)).sort();
    const zip = await zipOf(await Promise.all(names.map(pilotMember)));
    const one = await convert(zip, ONE_THREAD);
    const threads = await convert(zip, {});
    expect(one.datasets?.length).toBe(18);
    expect(threads.datasets).toEqual(one.datasets);
    expect(threads.skipped).toEqual([
      { file: 'sdtm.zip/define.xml', reason: 'define.xml is study metadata, not data' },
    ]);
    // Files a member thread wrote carry its member's prefix: both threads took members.
    expect(threads.files?.some((f) => /-m\d+-\d+\.parquet$/.test(f))).toBe(true);
    expect(threads.files?.some((f) => /^[A-Z]+-\d+\.parquet$/.test(f))).toBe(true);
    expect(one.files?.every((f) => /^[A-Z]+-\d+\.parquet$/.test(f))).toBe(true);
  }, 120_000);

  it('tells the first failing member in archive order though a larger one later fails first', async () => {
    // ds.xpt comes first in the archive and is small; cm.xpt, the largest, starts first and fails.
    const cut = (entry: TestZipEntry) => ({ ...entry, data: (entry.data as Buffer).subarray(0, -41) });
    const zip = await zipOf([
      cut(await pilotMember('ds.xpt')),
      cut(await pilotMember('cm.xpt')),
      await pilotMember('ae.xpt'),
      await pilotMember('dm.xpt'),
    ]);
    const one = await convert(zip, ONE_THREAD);
    const threads = await convert(zip, {});
    expect(one.refused).toBeInstanceOf(FormatError);
    expect((one.refused as FormatError).message).toMatch(
      /^sdtm\.zip\/ds\.xpt, dataset DS, row [\d,]+: file ends inside/,
    );
    expect((threads.refused as FormatError).message).toBe((one.refused as FormatError).message);
  }, 120_000);

  it('names the ZIP, member, dataset and row of a member that fails on the member thread', async () => {
    // cm.xpt starts first on the calling thread; ae.xpt, the next largest, goes to the member thread.
    const ae = await pilotMember('ae.xpt');
    const zip = await zipOf([
      await pilotMember('cm.xpt'),
      { ...ae, data: (ae.data as Buffer).subarray(0, -41) },
      await pilotMember('dm.xpt'),
    ]);
    const threads = await convert(zip, {});
    const one = await convert(zip, ONE_THREAD);
    expect(threads.refused).toBeInstanceOf(FormatError);
    expect((threads.refused as FormatError).location).toMatchObject({ file: 'sdtm.zip/ae.xpt', dataset: 'AE' });
    expect((threads.refused as FormatError).message).toBe((one.refused as FormatError).message);
  }, 120_000);
});

describe('warming member threads', () => {
  it('keeps a process that awaits the warm-up alive until the threads have loaded', async () => {
    // Parked threads are unref'ed: a script whose only work is awaiting the warm-up used to exit
    // with code 13 (top-level await never settled) before printing (found by the transfer bench).
    const { execFile } = await import('node:child_process');
    const script = path.join(dir, 'warm.mts');
    const entry = new URL('./member-threads.ts', import.meta.url).href;
    await writeFile(
      script,
      `import { warmMemberThreads } from '${entry}';\nawait warmMemberThreads(1);\nconsole.log('warm');\n`,
    );
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', script], { timeout: 60_000 }, (_error, stdout) =>
        resolve({ code: child.exitCode, stdout }),
      );
    });
    expect(result).toEqual({ code: 0, stdout: 'warm\n' });
  }, 90_000);

  it('keeps parked threads past the idle minute where asked (the server conversion worker asks)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const [asked] = takeMemberThreads(1);
      if (!asked) throw new Error('no member thread on this machine');
      keepMemberThreads(true);
      asked.park();
      vi.advanceTimersByTime(61_000);
      // Still parked: taken again (the last parked is taken first), not stopped and replaced.
      const [again] = takeMemberThreads(1);
      expect(again).toBe(asked);
      keepMemberThreads(false);
      again?.park();
      vi.advanceTimersByTime(61_000);
      const [other] = takeMemberThreads(1);
      expect(other).not.toBe(asked);
      other?.park();
    } finally {
      keepMemberThreads(false);
      vi.useRealTimers();
    }
  }, 60_000);
});
