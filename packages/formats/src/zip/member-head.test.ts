import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { openZipArchive } from './zip-archive.ts';
import { buildZip, type TestZipEntry } from './zip-writer.ts';

/**
 * A member's first bytes, which format detection reads of every member before any converts
 * (issue 17): inflated in one call from a short prefix of the compressed data, or, when that
 * prefix holds too few of them, as the member inflates. Either way exactly the member's first
 * bytes, and a damaged member fails naming it.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cdp-member-head-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An XPT-like start: an 80-byte header record, then blank-padded text (compresses ~100:1). */
const padded = Buffer.from(
  `HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000000000000000000000000000000  ${'CDP-301 '.padEnd(200)}`.repeat(
    400,
  ),
);
/** Incompressible: the 2 KiB prefix inflates to about 2 KiB, less than the 4 KiB asked for. */
const noise = randomBytes(64 * 1024);

async function heads(entries: TestZipEntry[], length: number): Promise<Map<string, Buffer>> {
  const file = path.join(dir, `${entries.map((e) => e.name).join('-')}.zip`);
  await writeFile(file, buildZip(entries));
  const archive = await openZipArchive(file, path.join(dir, 'unzipped'));
  try {
    const found = new Map<string, Buffer>();
    for (const member of archive.members) found.set(member.path, await member.head(length));
    return found;
  } finally {
    await archive.close();
  }
}

describe('a ZIP member head', () => {
  it.each([
    ['a blank-padded member (inflated from its prefix)', padded, 'deflate'],
    ['an incompressible member (inflated as it streams)', noise, 'deflate'],
    ['a member shorter than the head', Buffer.from('STUDYID,USUBJID\nCDP-301,001\n'), 'deflate'],
    ['a stored member', padded, 'store'],
    ['a stored member shorter than the head', Buffer.from('short'), 'store'],
  ] as const)('is the first bytes of %s', async (_case, data, method) => {
    const found = await heads([{ name: 'member.bin', data, method }], 4096);
    expect(found.get('member.bin')?.equals(data.subarray(0, 4096))).toBe(true);
  });

  it('is the first bytes whatever length is asked, across the prefix the one call inflates', async () => {
    for (const length of [1, 80, 2048, 4096, 100_000]) {
      const found = await heads([{ name: 'dm.xpt', data: padded }], length);
      expect(found.get('dm.xpt')?.equals(padded.subarray(0, length))).toBe(true);
    }
  });

  it('fails naming the member when its deflate data is damaged', async () => {
    // Random bytes declared as deflated: zlib refuses them within the first block.
    const damaged: TestZipEntry = { name: 'ae.xpt', data: Buffer.from([0xff, 0xff, ...noise.subarray(0, 500)]) };
    const file = path.join(dir, 'damaged.zip');
    await writeFile(file, buildZip([{ ...damaged, compressionMethod: 8 }]));
    const archive = await openZipArchive(file, path.join(dir, 'unzipped'), {}, { fileName: 'upload.zip' });
    try {
      const head = archive.members[0]?.head(4096);
      await expect(head).rejects.toThrow(FormatError);
      await expect(head).rejects.toThrow(
        /^upload\.zip\/ae\.xpt: the entry is damaged \(.+\); truncated or corrupt upload\?$/,
      );
    } finally {
      await archive.close();
    }
  });
});
