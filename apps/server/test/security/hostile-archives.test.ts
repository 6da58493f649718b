import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeSas7bdat, writeXpt } from '@cdp/formats';
import { buildZip, type TestZipEntry } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoStudy } from '../../src/demo/generate-study.ts';
import { studyDir } from '../../src/lib/study-folders.ts';
import { multipartFile, type Session, startTestApp, type Tenant, type TestApp } from '../harness.ts';

/**
 * Hostile and broken uploads through the real upload route: each is refused with a message that
 * names the file and what is wrong with it, the right status, and nothing written anywhere (no
 * version row, no audit event, nothing in source_data/ or temp/, nothing outside the study).
 */

let t: TestApp;
let tenant: Tenant;
let manager: Session;
let scratch: string;
const DM = 'USUBJID,ARM,AGE\nS-001,Placebo,63\nS-002,Drug,71\n';

beforeAll(async () => {
  t = await startTestApp({ uploadMaxBytes: 64 * 1024 * 1024 });
  tenant = await t.tenant();
  manager = await tenant.as('study_manager');
  scratch = await mkdtemp(path.join(os.tmpdir(), 'cdp-hostile-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  await t.close();
});

function upload(fileName: string, data: Buffer | string, query = '') {
  return t.request(manager, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/uploads${query}`,
    ...multipartFile(fileName, data),
  });
}

async function nothingWritten(): Promise<void> {
  const { rows } = await t.admin.query(
    `SELECT (SELECT count(*)::int FROM data_versions WHERE study_id = $1) AS versions,
            (SELECT count(*)::int FROM audit_events WHERE org_id = $2 AND action LIKE 'data_version.%') AS events`,
    [tenant.study.id, tenant.org.id],
  );
  expect(rows[0]).toEqual({ versions: 0, events: 0 });
  const base = studyDir(t.ctx.config.dataDir, tenant.org.id, tenant.study.id);
  for (const sub of ['source_data', 'temp']) {
    const dir = path.join(base, sub);
    expect(existsSync(dir) ? await readdir(dir) : [], sub).toEqual([]);
  }
  // Nothing escaped the study folder either (traversal targets, symlink targets).
  expect(await readdir(t.ctx.config.dataDir)).toEqual(['studies']);
  expect(await readdir(path.join(t.ctx.config.dataDir, 'studies', tenant.org.id))).toEqual([tenant.study.id]);
}

async function refused(fileName: string, data: Buffer | string, message: string | RegExp, status = 422) {
  const res = await upload(fileName, data);
  expect(res.statusCode, res.body).toBe(status);
  const error = res.json().error as { code: string; message: string };
  expect(error.code).toBe(status === 422 ? 'INVALID_FILE' : expect.any(String));
  if (typeof message === 'string') expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
  // No engine's words reach the user unexplained.
  expect(error.message).not.toMatch(/duckdb\.org|Error: |at \w+ \(|yauzl|ENOENT|EACCES/);
  await nothingWritten();
}

async function sasFile(kind: 'xpt' | 'sas7bdat'): Promise<Buffer> {
  const [dm] = generateDemoStudy({ subjects: 200, sites: 3 });
  if (!dm) throw new Error('no DM');
  const file = path.join(scratch, `dm.${kind}`);
  if (kind === 'xpt') await writeXpt(file, [dm]);
  else await writeSas7bdat(file, dm);
  return readFile(file);
}

describe('hostile archives', () => {
  it.each<[string, TestZipEntry[], string | RegExp]>([
    [
      'path traversal',
      [
        { name: 'dm.csv', data: DM },
        { name: '../../../evil.csv', data: DM },
      ],
      'evil.zip: entry "../../../evil.csv" climbs out of the extraction folder with ".."; the archive is refused. Nothing was saved.',
    ],
    [
      'backslash traversal',
      [{ name: '..\\..\\evil.csv', data: DM }],
      /entry "\.\.\\\.\.\\evil\.csv" climbs out of the extraction folder/,
    ],
    [
      'an absolute path',
      [{ name: '/etc/cron.d/evil.csv', data: DM }],
      'evil.zip: entry "/etc/cron.d/evil.csv" is an absolute path; the archive is refused. Nothing was saved.',
    ],
    ['a drive letter', [{ name: 'C:/Windows/evil.csv', data: DM }], /starts with a drive letter/],
    [
      'a symbolic link',
      [
        { name: 'dm.csv', data: DM },
        { name: 'ae.csv', data: '/etc/passwd', method: 'store', unixMode: 0o120777 },
      ],
      'evil.zip/ae.csv: the entry is a symbolic link; archives with links are refused. Nothing was saved.',
    ],
    [
      'a decompression bomb',
      [{ name: 'dm.csv', data: Buffer.alloc(32 * 1024 * 1024, 0x41) }],
      /^evil\.zip\/dm\.csv: the entry expands more than 200:1 .*refusing a possible ZIP bomb\. Nothing was saved\.$/,
    ],
    [
      'ZIPs nested three deep',
      [
        {
          name: 'outer.zip',
          data: buildZip([{ name: 'inner.zip', data: buildZip([{ name: 'dm.csv', data: DM }]) }]),
        },
      ],
      /evil\.zip\/outer\.zip\/inner\.zip: a ZIP inside a ZIP nested more than 2 deep/,
    ],
    [
      'an empty member',
      [
        { name: 'DM.csv', data: DM },
        { name: 'AE.csv', data: '' },
      ],
      'evil.zip/AE.csv is empty. Nothing was saved.',
    ],
    ['an encrypted member', [{ name: 'dm.csv', data: DM, encrypted: true }], /password-protected/],
    ['an unknown compression method', [{ name: 'dm.csv', data: DM, compressionMethod: 14 }], /compression method 14/],
    [
      'two members of one name',
      [
        { name: 'dm.csv', data: DM },
        { name: 'DM.csv', data: DM },
      ],
      /two entries with this name/,
    ],
    [
      'random bytes behind .xpt beside good data',
      [
        { name: 'dm.csv', data: DM },
        { name: 'ae.xpt', data: randomBytes(4096) },
      ],
      'evil.zip/ae.xpt: the name says SAS XPT, but the content is not (a damaged or mislabelled file?); export it again. Nothing was saved.',
    ],
  ])('refuses %s', async (_, entries, message) => {
    await refused('evil.zip', buildZip(entries), message);
  });

  it.each([
    ['ae.xpt', 'SAS XPT'],
    ['ae.sas7bdat', 'SAS7BDAT'],
    ['ae.parquet', 'Parquet'],
    ['ae.xlsx', 'an Excel workbook'],
  ])('refuses random bytes named %s', async (name, what) => {
    await refused(
      name,
      randomBytes(8192),
      `${name}: the name says ${what}, but the content is not (a damaged or mislabelled file?); export it again. Nothing was saved.`,
    );
  });

  it('refuses a file that is not an archive at all but is named .zip', async () => {
    await refused('data.zip', randomBytes(2048), /^data\.zip: .*/);
  });

  it.each(['xpt', 'sas7bdat'] as const)('refuses a truncated %s, alone and inside a ZIP', async (kind) => {
    const whole = await sasFile(kind);
    const truncated = whole.subarray(0, Math.floor(whole.length * 0.6));
    await refused(
      `dm.${kind}`,
      truncated,
      new RegExp(`^dm\\.${kind}(, [^:]+)?: .*(truncat|ends|short|incomplete)`, 'i'),
    );
    await refused(
      'sdtm.zip',
      buildZip([{ name: `dm.${kind}`, data: truncated }]),
      new RegExp(`^sdtm\\.zip/dm\\.${kind}`),
    );
  });

  it('refuses an empty upload and a CSV that has no header row', async () => {
    await refused('dm.csv', '', 'dm.csv is empty. Nothing was saved.');
    await refused('dm.csv', '\n\n', 'dm.csv is empty. Nothing was saved.');
    await refused(
      'dm.csv',
      'S-001,Placebo,63\nS-002,Drug,71\n',
      /^dm\.csv, row 1: the first line looks like data, not column names/,
    );
  });

  it('refuses a CSV wider than the column limit, saying how wide, the limit and what to do', async () => {
    const header = Array.from({ length: 10_001 }, (_, i) => `V${i + 1}`).join(',');
    await refused(
      'wide.csv',
      `${header}\n`,
      /^wide\.csv: the dataset has 10,001 columns; at most 10,000 can be loaded\. Split it into files of fewer columns .*Nothing was saved\.$/,
    );
  });

  it('converts a 10,000-column CSV (5 rows) that fits the limit', async () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `V${i + 1}`);
    const lines = [names.join(',')];
    for (let r = 1; r <= 5; r++) lines.push(names.map((_, i) => (i === 0 ? `S-${r}` : String(r + i))).join(','));
    const res = await upload('wide.csv', `${lines.join('\n')}\n`);
    expect(res.statusCode, res.body.slice(0, 500)).toBe(201);
    const version = res.json().data;
    expect(version.datasets[0]).toMatchObject({ name: 'wide', rows: 5 });
    expect(version.datasets[0].columns).toHaveLength(10_000);
    const rows = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${tenant.study.id}/versions/${version.id}/datasets/wide/rows?limit=5&sort=V1`,
    });
    expect(rows.statusCode).toBe(200);
    // Row r holds r + (column index) in column V(index + 1): V10000 of S-3 is 3 + 9999.
    expect(rows.json().rows[2].at(-1)).toBe(10_002);
  }, 120_000);
});
