import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { forgetPhiDataKeys, openDuckDb, quoteLiteral } from '@cdp/formats';
import { sharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateMasterKey } from '../src/cli/keys-rotate.ts';
import { runJob } from '../src/jobs/run-job.ts';
import { studyDir } from '../src/lib/study-folders.ts';
import { forgetStudyDataKeys } from '../src/phi/study-keys.ts';
import { multipartFile, type Session, startTestApp, type TestApp } from './harness.ts';

/**
 * Encryption at rest of PHI (issue 16 item 5), on the real PHUSE statin DM (birth dates and an
 * investigator's name), with subject initials added: once BRTHDTC, SUBJINIT and INVNAM are
 * classified PHI, no stored file (Parquet, sidecar, manifest, temp) holds a clear value, while a
 * cleared reader still sees, filters, sorts and downloads the real values and a masked one the masks.
 */

const DM_FILE = sharedData('csv', 'phuse-statin-sdtm-v0', 'dm.csv');

/** A CSV line split on commas outside quotes (the file quotes every text field). */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

/**
 * Initials per subject, from its number, written with dots (`Q.X.Z`): a dot never sits between two
 * letters in a sealed value (`p1.<key id>.<base64url>`), so a hit in a sidecar's bytes is a real leak,
 * not base64 that happens to spell four letters.
 */
function initialsOf(i: number): string {
  const letters = 'QXZJWKV';
  return `${letters[i % 7]}.${letters[Math.floor(i / 7) % 7]}.${letters[Math.floor(i / 49) % 7]}`;
}

let t: TestApp;
let studyId: string;
let orgId: string;
let manager: Session;
let masked: Session;
let csv = '';
let births: string[] = [];
let initials: string[] = [];
let investigators: string[] = [];
const ids = { first: '', second: '' };

/** Every file under the study's folder (versions, sidecars, manifests, temp), and the app's temp and upload folders. */
async function storedFiles(): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files.push(full);
    }
  };
  await walk(t.ctx.config.dataDir);
  return files;
}

/**
 * The clear PHI values each stored file holds, searched two ways: in its raw bytes (UTF-8 text), and,
 * for Parquet files, in every value DuckDB decodes from them (pages are compressed, and a CSV's ISO
 * dates are stored as DATEs, so raw bytes alone would miss most). A birth on 1 January is left out of
 * the decoded search: its masked form (the year, stored as 1 January of it) is the same date.
 */
async function clearValuesOnDisk(): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  const texts = [...births, ...initials, ...investigators.filter((n) => n.length > 4)];
  const decodedTargets = [...births.filter((b) => !b.endsWith('-01-01')), ...initials, ...investigators];
  const db = await openDuckDb();
  try {
    for (const file of await storedFiles()) {
      const bytes = await readFile(file);
      const hits = texts.filter((v) => bytes.includes(Buffer.from(v, 'utf8'))).map((v) => `${v} (bytes)`);
      if (file.endsWith('.parquet')) {
        const reader = await db.connection.runAndReadAll(`SELECT * FROM read_parquet(${quoteLiteral(file)})`);
        const values = new Set(reader.getRows().flatMap((row) => row.map((v) => String(v))));
        hits.push(...decodedTargets.filter((v) => values.has(v)).map((v) => `${v} (decoded)`));
      }
      if (hits.length > 0) found.set(path.relative(t.ctx.config.dataDir, file), hits);
    }
  } finally {
    db.close();
  }
  return found;
}

async function expectNoClearValues(): Promise<void> {
  expect(JSON.stringify([...(await clearValuesOnDisk())], null, 1)).toBe('[]');
}

async function rowsOf(session: Session, versionId: string, query = 'limit=1000') {
  const res = await t.request(session, {
    method: 'GET',
    url: `/api/studies/${studyId}/versions/${versionId}/datasets/DM/rows?${query}`,
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { columns: { name: string }[]; rows: unknown[][]; total: number };
  return {
    total: body.total,
    rows: body.rows.map((row) => Object.fromEntries(body.columns.map((c, i) => [c.name, row[i]]))),
  };
}

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  orgId = tenant.org.id;
  manager = await tenant.as('study_manager');
  masked = await tenant.as('data_scientist');
  const lines = (await readFile(DM_FILE, 'utf8')).trim().split(/\r?\n/);
  const header = splitCsv(lines[0] as string);
  const records = lines.slice(1).map(splitCsv);
  const at = (name: string) => header.indexOf(name);
  births = records.map((r) => r[at('BRTHDTC')] as string).filter((v) => v !== '');
  initials = records.map((_, i) => initialsOf(i));
  investigators = [...new Set(records.map((r) => r[at('INVNAM')] as string).filter((v) => v !== ''))];
  csv = `${[`${lines[0]},"SUBJINIT"`, ...lines.slice(1).map((l, i) => `${l},"${initialsOf(i)}"`)].join('\n')}\n`;
  const upload = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/uploads`,
    ...multipartFile('dm.csv', csv),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  ids.first = upload.json().data.id;
}, 120_000);
afterAll(() => t.close());

describe('PHI encrypted at rest', () => {
  it('finds the clear values in the stored file before classification (the search works)', async () => {
    expect(births.length).toBeGreaterThan(100);
    const found = await clearValuesOnDisk();
    const all = new Set([...found.values()].flat());
    // The detector sees the values in the unprotected Parquet file: its silence later means something.
    const decoded = [...all].filter((v) => v.endsWith('(decoded)'));
    for (const birth of births.filter((b) => !b.endsWith('-01-01'))) expect(decoded).toContain(`${birth} (decoded)`);
    for (const initial of initials) expect(decoded).toContain(`${initial} (decoded)`);
    // The raw bytes show some of them too (the rest is compressed).
    expect([...all].filter((v) => v.endsWith('(bytes)')).length).toBeGreaterThan(0);
  });

  it('after classification, the job seals every stored file: no clear value in any byte on disk', async () => {
    for (const column of ['BRTHDTC', 'SUBJINIT', 'INVNAM']) {
      const res = await t.request(manager, {
        method: 'PUT',
        url: `/api/studies/${studyId}/phi-columns`,
        payload: { dataset: 'DM', column, classification: 'phi' },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const { rows: queued } = await t.admin.query(
      `select count(*)::int as n from pgboss.job where name = 'phi.protect' and data->>'studyId' = $1`,
      [studyId],
    );
    expect(queued[0].n).toBeGreaterThanOrEqual(3);
    const outcome = await runJob(t.ctx, 'phi.protect', { orgId, studyId });
    expect(outcome).toMatchObject({ status: 'done' });
    await expectNoClearValues();
    const { rows } = await t.admin.query('select file, sidecar, columns from phi_sealed_files where study_id = $1', [
      studyId,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0].columns.map((c: { name: string }) => c.name).sort()).toEqual(['BRTHDTC', 'INVNAM', 'SUBJINIT']);
    const sidecar = await readFile(path.join(t.ctx.config.dataDir, rows[0].sidecar), 'latin1');
    expect(sidecar).toContain('p1.');
    // Running it again changes nothing.
    const again = await runJob(t.ctx, 'phi.protect', { orgId, studyId });
    expect(again).toMatchObject({ note: expect.stringContaining('sealed in 0 files') });
  }, 60_000);

  it('keeps the manifest verifiable: the rewritten file and its sidecar match it, the original hash is kept', async () => {
    const { rows } = await t.admin.query(
      `select f.file, f.sidecar, f.clear_sha256, f.sealed_sha256, d.sha256 from phi_sealed_files f
         join datasets d on d.version_id = $1 and upper(d.name) = 'DM' where f.study_id = $2`,
      [ids.first, studyId],
    );
    const row = rows[0];
    expect(row.clear_sha256).toBe(row.sha256);
    const dir = path.dirname(path.join(t.ctx.config.dataDir, row.file));
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    const entry = manifest.datasets.find((d: { name: string }) => d.name.toUpperCase() === 'DM');
    const { createHash } = await import('node:crypto');
    const sha = async (f: string) =>
      createHash('sha256')
        .update(await readFile(f))
        .digest('hex');
    expect(entry.sha256).toBe(await sha(path.join(dir, entry.file)));
    expect(entry.sha256).toBe(row.sealed_sha256);
    expect(entry.clearSha256).toBe(row.sha256);
    expect(entry.phiSidecar.sha256).toBe(await sha(path.join(dir, entry.phiSidecar.file)));
  });

  it('a cleared reader sees, filters, sorts and downloads the real values', async () => {
    const page = await rowsOf(manager, ids.first);
    expect(page.total).toBe(births.length);
    expect(new Set(page.rows.map((r) => r.BRTHDTC))).toEqual(new Set(births));
    expect(new Set(page.rows.map((r) => r.SUBJINIT))).toEqual(new Set(initials));
    // Other columns are untouched by the join: each subject keeps its own birth date (row order kept).
    const lines = csv.trim().split('\n').slice(1).map(splitCsv);
    const header = splitCsv(csv.split('\n')[0] as string);
    const bySubject = new Map(lines.map((r) => [r[header.indexOf('USUBJID')], r[header.indexOf('BRTHDTC')]]));
    for (const row of page.rows) expect(row.BRTHDTC).toBe(bySubject.get(row.USUBJID as string));

    const before1950 = births.filter((b) => b < '1950').length;
    const filter = encodeURIComponent(JSON.stringify([{ column: 'BRTHDTC', op: 'lt', value: '1950-01-01' }]));
    const filtered = await rowsOf(manager, ids.first, `limit=1000&filter=${filter}`);
    expect(filtered.total).toBe(before1950);
    const sorted = await rowsOf(manager, ids.first, 'limit=1&sort=-BRTHDTC');
    expect(sorted.rows[0]?.BRTHDTC).toBe([...births].sort().at(-1));

    const download = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${ids.first}/datasets/DM/download?format=csv`,
    });
    expect(download.statusCode).toBe(200);
    for (const birth of births) expect(download.body).toContain(birth);
    for (const initial of initials) expect(download.body).toContain(initial);
    // The download's temporary file is gone once sent.
    await expectNoClearValues();
  });

  it('a reader without data:view_phi:assigned sees the masks', async () => {
    const page = await rowsOf(masked, ids.first);
    expect(new Set(page.rows.map((r) => r.BRTHDTC))).toEqual(new Set(births.map((b) => b.slice(0, 4))));
    expect(new Set(page.rows.map((r) => r.SUBJINIT))).toEqual(new Set(['[PHI]']));
    const download = await t.request(masked, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${ids.first}/datasets/DM/download?format=csv`,
    });
    expect(download.statusCode).toBe(200);
    for (const birth of births) expect(download.body).not.toContain(birth);
  });

  it('a version uploaded after classification is sealed before the upload answers', async () => {
    const upload = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/uploads`,
      ...multipartFile('dm.csv', csv.replace(births[0] as string, '1919-12-31')),
    });
    expect(upload.statusCode, upload.body).toBe(201);
    ids.second = upload.json().data.id;
    births = [...births, '1919-12-31'];
    await expectNoClearValues();
    const page = await rowsOf(manager, ids.second, 'limit=1&sort=BRTHDTC');
    expect(page.rows[0]?.BRTHDTC).toBe('1919-12-31');
  }, 60_000);

  it('SQL and Python pipelines read the clear values in a cleared run; their outputs are sealed; no clear copy stays', async () => {
    // The pipelines read the active version: the first one (the second was not activated).
    const original = births.filter((b) => b !== '1919-12-31');
    const before1950 = original.filter((b) => b < '1950').length;
    const made: Record<string, string> = {};
    for (const [kind, body] of [
      ['sql', { statements: [{ name: 'dm_copy', sql: 'SELECT USUBJID, BRTHDTC, SUBJINIT FROM DM' }] }],
      [
        'python',
        {
          script: [
            'import datetime',
            'dm = read_dataset("DM")',
            'old = dm[dm["BRTHDTC"] < datetime.date(1950, 1, 1)][["USUBJID", "BRTHDTC", "SUBJINIT"]]',
            'save_dataset(old, "dm_old")',
          ].join('\n'),
        },
      ],
    ] as const) {
      const output = kind === 'sql' ? 'dm_copy' : 'dm_old';
      const pipeline = await t.request(manager, {
        method: 'POST',
        url: `/api/studies/${studyId}/pipelines`,
        payload: {
          name: `Copy (${kind})`,
          kind,
          body,
          inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
          outputs: [output],
        },
      });
      expect(pipeline.statusCode, pipeline.body).toBe(201);
      const queued = await t.request(manager, {
        method: 'POST',
        url: `/api/studies/${studyId}/pipelines/${pipeline.json().data.id}/runs`,
      });
      expect(queued.statusCode, queued.body).toBe(202);
      await runJob(t.ctx, 'pipelines.run', { orgId, runId: queued.json().data.id });
      const { rows } = await t.admin.query('select id, status, error from pipeline_runs r where id = $1', [
        queued.json().data.id,
      ]);
      expect(rows[0].status, JSON.stringify(rows[0].error)).toBe('SUCCEEDED');
      const out = await t.admin.query('select id from pipeline_outputs where run_id = $1', [queued.json().data.id]);
      made[kind] = out.rows[0].id;
    }
    await expectNoClearValues();
    const read = async (versionId: string, name: string) => {
      const res = await t.request(manager, {
        method: 'GET',
        url: `/api/studies/${studyId}/versions/${versionId}/datasets/${name}/rows?limit=1000`,
      });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      const at = body.columns.findIndex((c: { name: string }) => c.name === 'BRTHDTC');
      return body.rows.map((r: unknown[]) => r[at]) as string[];
    };
    expect(new Set(await read(made.sql as string, 'dm_copy'))).toEqual(new Set(original));
    const old = await read(made.python as string, 'dm_old');
    expect(old).toHaveLength(before1950);
    expect(new Set(old)).toEqual(new Set(original.filter((b) => b < '1950')));
    // No clear copy of an input is left in the study's temp folder.
    const temp = path.join(studyDir(t.ctx.config.dataDir, orgId, studyId), 'temp');
    const left = await readdir(temp).catch(() => []);
    for (const entry of left)
      expect((await stat(path.join(temp, entry))).isFile() || !entry.includes('inputs')).toBe(true);
  }, 240_000);

  it('cdp keys rotate re-wraps the study key under a new master key; cleared reads still work', async () => {
    const before = (await t.admin.query('select wrapped from study_data_keys where study_id = $1', [studyId])).rows[0]
      .wrapped as string;
    // Other test files' servers share this database with master keys of their own: this tenant's keys only.
    const rotated = await rotateMasterKey(t.ctx, { orgId });
    expect(rotated.rewrapped).toBeGreaterThanOrEqual(1);
    const after = (
      await t.admin.query('select wrapped, rewrapped_at from study_data_keys where study_id = $1', [studyId])
    ).rows[0];
    expect(after.wrapped.split('.')[1]).toBe(rotated.keyId);
    expect(after.wrapped.split('.')[1]).not.toBe(before.split('.')[1]);
    expect(after.rewrapped_at).not.toBeNull();
    const secrets = JSON.parse(await readFile(path.join(t.ctx.config.dataDir, 'secrets.json'), 'utf8'));
    expect(secrets.previousMasterKeys).toBeUndefined();
    expect(secrets.masterKey).toBeDefined();
    // A process that starts now unwraps the study key with the new master key only.
    forgetPhiDataKeys();
    forgetStudyDataKeys();
    const page = await rowsOf(manager, ids.first, 'limit=1&sort=BRTHDTC');
    expect(page.rows[0]?.BRTHDTC).toBe([...births].filter((b) => b !== '1919-12-31').sort()[0]);
    const { rows: audit } = await t.admin.query(
      `select new_values from audit_events where org_id = $1 and action = 'phi.keys_rotated'`,
      [orgId],
    );
    expect(audit[0].new_values).toMatchObject({ studies: 1, masterKeyId: rotated.keyId });
  });

  it('a cleared column is unsealed by the job: its values are served in clear to every reader again', async () => {
    const res = await t.request(manager, {
      method: 'DELETE',
      url: `/api/studies/${studyId}/phi-columns/DM/SUBJINIT`,
    });
    expect(res.statusCode, res.body).toBe(204);
    await runJob(t.ctx, 'phi.protect', { orgId, studyId });
    const page = await rowsOf(masked, ids.first);
    expect(new Set(page.rows.map((r) => r.SUBJINIT))).toEqual(new Set(initials));
    expect(new Set(page.rows.map((r) => r.BRTHDTC))).toEqual(
      new Set(births.filter((b) => b !== '1919-12-31').map((b) => b.slice(0, 4))),
    );
    const { rows } = await t.admin.query('select columns from phi_sealed_files where study_id = $1', [studyId]);
    for (const row of rows) expect(row.columns.map((c: { name: string }) => c.name)).not.toContain('SUBJINIT');
  }, 60_000);
});
