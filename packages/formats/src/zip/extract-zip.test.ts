import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { fixture, hasSharedData, sharedData } from '../test-support.ts';
import { type ExtractedEntry, extractZip, type ZipLimits } from './extract-zip.ts';
import { buildZip, type TestZipEntry } from './zip-writer.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'cdp-zip-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
function zipFile(entries: TestZipEntry[] | Buffer): string {
  const file = path.join(tmp, `archive-${++counter}.zip`);
  writeFileSync(file, Buffer.isBuffer(entries) ? entries : buildZip(entries));
  return file;
}

function freshDir(): string {
  return path.join(tmp, `out-${++counter}`);
}

async function rejection(zip: string, dest: string, limits?: ZipLimits): Promise<FormatError> {
  try {
    await extractZip(zip, dest, limits, { fileName: 'upload.zip' });
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('expected the archive to be refused');
}

function listing(entries: ExtractedEntry[]): [string, number][] {
  return entries.map((e) => [e.path, e.bytes]);
}

describe('extractZip', () => {
  it('extracts stored and deflated entries into folders, skipping folders and OS clutter', async () => {
    const dm = 'x'.repeat(10_000);
    const zip = zipFile([
      { name: 'sdtm/', data: '' },
      { name: 'sdtm/dm.xpt', data: dm },
      { name: 'sdtm/ae.xpt', data: 'ae data', method: 'store' },
      { name: 'windows\\style\\lb.csv', data: 'a,b\n1,2\n' },
      { name: './define.xml', data: '<ODM/>' },
      { name: '__MACOSX/sdtm/._dm.xpt', data: 'junk' },
      { name: 'sdtm/.DS_Store', data: 'junk' },
      { name: 'Thumbs.db', data: 'junk' },
      { name: 'ünïcode/名前.csv', data: 'x' },
    ]);
    const dest = freshDir();
    const entries = await extractZip(zip, dest);
    expect(listing(entries)).toEqual([
      ['sdtm/dm.xpt', 10_000],
      ['sdtm/ae.xpt', 7],
      ['windows/style/lb.csv', 8],
      ['define.xml', 6],
      ['ünïcode/名前.csv', 1],
    ]);
    expect(entries[0]?.file).toBe(path.join(dest, 'sdtm', 'dm.xpt'));
    expect(readFileSync(path.join(dest, 'sdtm', 'dm.xpt'), 'utf8')).toBe(dm);
    expect(readFileSync(path.join(dest, 'windows', 'style', 'lb.csv'), 'utf8')).toBe('a,b\n1,2\n');
    expect(existsSync(path.join(dest, '__MACOSX'))).toBe(false);
  });

  it('extracts a ZIP inside the ZIP under a folder named after it', async () => {
    const inner = buildZip([{ name: 'ae.xpt', data: 'inner ae' }]);
    const zip = zipFile([
      { name: 'dm.xpt', data: 'outer dm' },
      { name: 'more/inner.zip', data: inner, method: 'store' },
    ]);
    const dest = freshDir();
    const entries = await extractZip(zip, dest);
    expect(listing(entries)).toEqual([
      ['dm.xpt', 8],
      ['more/inner.zip/ae.xpt', 8],
    ]);
    expect(readFileSync(path.join(dest, 'more', 'inner.zip', 'ae.xpt'), 'utf8')).toBe('inner ae');
    // The inner archive itself is not left behind.
    expect(readdirSync(dest).sort()).toEqual(['dm.xpt', 'more']);
  });

  it.each([
    ['../evil.txt', 'climbs out of the extraction folder with ".."'],
    ['sdtm/../../evil.txt', 'climbs out of the extraction folder with ".."'],
    ['..\\..\\evil.txt', 'climbs out of the extraction folder with ".."'],
    ['/etc/passwd', 'is an absolute path'],
    ['\\\\server\\share\\x.txt', 'is an absolute path'],
    ['C:\\Windows\\x.txt', 'starts with a drive letter'],
    ['c:x.txt', 'starts with a drive letter'],
    ['a\u0000b.txt', 'contains a NUL character'],
  ])('refuses the entry name %j', async (name, why) => {
    const dest = freshDir();
    const error = await rejection(
      zipFile([
        { name: 'ok.txt', data: 'fine' },
        { name, data: 'x' },
      ]),
      dest,
    );
    expect(error.reason).toBe(`entry "${name}" ${why}; the archive is refused`);
    expect(error.location.file).toBe('upload.zip');
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(path.join(tmp, 'evil.txt'))).toBe(false);
  });

  it('refuses symbolic links', async () => {
    const error = await rejection(zipFile([{ name: 'link', data: '/etc/passwd', unixMode: 0o120777 }]), freshDir());
    expect(error.message).toBe('upload.zip/link: the entry is a symbolic link; archives with links are refused');
  });

  it('accepts ordinary Unix file modes', async () => {
    const entries = await extractZip(zipFile([{ name: 'dm.xpt', data: 'x', unixMode: 0o100644 }]), freshDir());
    expect(listing(entries)).toEqual([['dm.xpt', 1]]);
  });

  it('refuses a compression bomb, measured on the bytes it writes', async () => {
    const dest = freshDir();
    const zeros = Buffer.alloc(50 * 1024 * 1024);
    const error = await rejection(zipFile([{ name: 'bomb.xpt', data: zeros }]), dest);
    expect(error.reason).toMatch(
      /^the entry expands more than 200:1 \(\d+\.\d KiB compressed\); refusing a possible ZIP bomb$/,
    );
    expect(error.location.file).toBe('upload.zip/bomb.xpt');
    expect(existsSync(dest)).toBe(false);
  });

  it('lets small, very compressible files through', async () => {
    const entries = await extractZip(zipFile([{ name: 'spaces.xpt', data: ' '.repeat(500_000) }]), freshDir());
    expect(listing(entries)).toEqual([['spaces.xpt', 500_000]]);
  });

  it('refuses more bytes in total than allowed, counting nested archives too', async () => {
    const inner = buildZip([{ name: 'b.txt', data: 'b'.repeat(600) }]);
    const zip = zipFile([
      { name: 'a.txt', data: 'a'.repeat(600) },
      { name: 'inner.zip', data: inner },
    ]);
    const error = await rejection(zip, freshDir(), { maxTotalBytes: 1000 });
    expect(error.message).toBe(
      'upload.zip: the archive expands to more than 1000 bytes; split the upload or raise the limit',
    );
  });

  it('refuses archives nested deeper than maxDepth', async () => {
    const level3 = buildZip([{ name: 'ae.xpt', data: 'deep' }]);
    const level2 = buildZip([{ name: 'level3.zip', data: level3 }]);
    const dest = freshDir();
    const error = await rejection(zipFile([{ name: 'level2.zip', data: level2 }]), dest);
    expect(error.message).toBe(
      'upload.zip/level2.zip/level3.zip: a ZIP inside a ZIP nested more than 2 deep; unpack the inner archives and upload again',
    );
    expect(existsSync(dest)).toBe(false);
    expect(
      listing(await extractZip(zipFile([{ name: 'level2.zip', data: level2 }]), freshDir(), { maxDepth: 3 })),
    ).toEqual([['level2.zip/level3.zip/ae.xpt', 4]]);
  });

  it('refuses too many entries, counting nested archives', async () => {
    const inner = buildZip([
      { name: '1', data: '1' },
      { name: '2', data: '2' },
    ]);
    const zip = zipFile([
      { name: 'a', data: 'a' },
      { name: 'inner.zip', data: inner },
    ]);
    expect((await rejection(zip, freshDir(), { maxEntries: 3 })).reason).toBe('the archive has more than 3 entries');
    expect(await extractZip(zip, freshDir(), { maxEntries: 4 })).toHaveLength(3);
  });

  it('refuses encrypted entries, unknown compression methods and duplicate names', async () => {
    expect((await rejection(zipFile([{ name: 'secret.xpt', data: 'x', encrypted: true }]), freshDir())).reason).toBe(
      'the entry is encrypted (password-protected); upload it unencrypted',
    );
    expect(
      (await rejection(zipFile([{ name: 'b.xpt', data: 'x', compressionMethod: 12 }]), freshDir())).reason,
    ).toMatch(/^the entry uses compression method 12; only stored and deflated entries can be read/);
    expect(
      (
        await rejection(
          zipFile([
            { name: 'DM.xpt', data: 'x' },
            { name: 'dm.xpt', data: 'y' },
          ]),
          freshDir(),
        )
      ).reason,
    ).toBe('the archive holds two entries with this name');
  });

  it('refuses a file and a folder of the same name', async () => {
    const error = await rejection(
      zipFile([
        { name: 'a', data: 'file' },
        { name: 'a/b.txt', data: 'x' },
      ]),
      freshDir(),
    );
    expect(error.reason).toMatch(/clashes with another entry/);
  });

  it('refuses truncated and corrupt archives and removes what it had written', async () => {
    const good = buildZip([
      { name: 'first.xpt', data: 'first'.repeat(100) },
      { name: 'second.xpt', data: 'second'.repeat(1000) },
    ]);
    const dest = freshDir();
    const truncated = await rejection(zipFile(good.subarray(0, good.length - 30)), dest);
    expect(truncated.reason).toMatch(/^not a readable ZIP archive \(.+\); truncated or corrupt upload\?$/);

    // Damage the second entry's deflate stream: the first is written, then everything is undone.
    const corrupt = Buffer.from(good);
    const second = corrupt.indexOf(Buffer.from('second.xpt')) + 'second.xpt'.length;
    corrupt.fill(0xff, second, second + 8);
    const error = await rejection(zipFile(corrupt), dest);
    expect(error.message).toMatch(
      /^upload\.zip\/second\.xpt: the entry is damaged \(.+\); truncated or corrupt upload\?$/,
    );
    expect(existsSync(dest)).toBe(false);

    expect((await rejection(zipFile(Buffer.from('not a zip at all, just text')), dest)).reason).toMatch(
      /^not a readable ZIP archive/,
    );
  });

  it('leaves files it did not write alone when it fails', async () => {
    const dest = freshDir();
    mkdirSync(dest);
    writeFileSync(path.join(dest, 'keep.txt'), 'mine');
    await rejection(
      zipFile([
        { name: 'new/a.txt', data: 'a' },
        { name: '../x', data: 'x' },
      ]),
      dest,
    );
    await rejection(zipFile([{ name: 'keep.txt', data: 'overwrite?' }]), dest);
    expect(readdirSync(dest)).toEqual(['keep.txt']);
    expect(readFileSync(path.join(dest, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('extracts the haven fixture (a SAS file zipped on a real machine)', async () => {
    const dest = freshDir();
    const entries = await extractZip(fixture('zip', 'haven-hadley.zip'), dest);
    expect(listing(entries)).toEqual([['hadley.sas7bdat', 131_072]]);
    const head = readFileSync(path.join(dest, 'hadley.sas7bdat')).subarray(12, 16);
    expect(head.toString('hex')).toBe('c2ea8160');
  });

  it.runIf(hasSharedData('the shared ZIP test'))('extracts ../shared/data/zip/haven-hadley.zip', async () => {
    const entries = await extractZip(sharedData('zip', 'haven-hadley.zip'), freshDir());
    expect(listing(entries)).toEqual([['hadley.sas7bdat', 131_072]]);
    expect(readFileSync(entries[0]?.file ?? '')).toEqual(
      readFileSync(sharedData('sas7bdat', 'haven', 'hadley.sas7bdat')),
    );
  });
});
