import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { datasetSource } from '@cdp/analytics';
import { openDuckDb, quoteLiteral } from '@cdp/formats';
import { sharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVersionData } from '../src/data/version-data.ts';
import { runJob } from '../src/jobs/run-job.ts';
import { RETIRED_SIDECAR_GRACE_MINUTES, sweepRetiredSidecars } from '../src/phi/retired-sidecars.ts';
import { multipartFile, type Session, startTestApp, type TestApp } from './harness.ts';

/*
 * A re-protection (the `phi.protect` job after a classification changed) swaps a stored file and
 * its PHI sidecar while readers may be mid-request. On the real PHUSE statin DM: a cleared reader
 * who loaded the version before the swap still gets the right clear values after it (the replaced
 * sidecar is retired, not removed), nobody reads the newly classified column in clear afterwards,
 * and the retired sidecar goes once its grace period is over.
 */

const DM_FILE = sharedData('csv', 'phuse-statin-sdtm-v0', 'dm.csv');

let t: TestApp;
let orgId: string;
let studyId: string;
let versionId: string;
let manager: Session;
let masked: Session;
/** USUBJID → [BRTHDTC, INVNAM], read here from the CSV. */
const truth = new Map<string, [string, string]>();

async function classify(column: string): Promise<void> {
  const res = await t.request(manager, {
    method: 'PUT',
    url: `/api/studies/${studyId}/phi-columns`,
    payload: { dataset: 'DM', column, classification: 'phi' },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(await runJob(t.ctx, 'phi.protect', { orgId, studyId })).toMatchObject({ status: 'done' });
}

async function sealedRow(): Promise<{ file: string; sidecar: string; columns: { name: string }[] }> {
  const { rows } = await t.admin.query('select file, sidecar, columns from phi_sealed_files where study_id = $1', [
    studyId,
  ]);
  expect(rows).toHaveLength(1);
  return rows[0];
}

/** The SQL a cleared reader's request would run, built now from the version as loaded now. */
async function clearReaderSql(): Promise<string> {
  const version = await loadVersionData(t.ctx, orgId, studyId, versionId, { clear: true });
  const dm = [...(version?.datasets.values() ?? [])].find((d) => d.name.toUpperCase() === 'DM');
  if (!dm) throw new Error('DM not loaded');
  return `SELECT USUBJID, CAST(BRTHDTC AS VARCHAR) AS BRTHDTC, INVNAM FROM ${datasetSource(dm)} ORDER BY USUBJID`;
}

async function run(sql: string): Promise<Map<string, [string, string]>> {
  const db = await openDuckDb();
  try {
    const reader = await db.connection.runAndReadAll(sql);
    return new Map(
      reader.getRows().map(([id, birth, investigator]) => [String(id), [String(birth), String(investigator)]]),
    );
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  orgId = tenant.org.id;
  studyId = tenant.study.id;
  manager = await tenant.as('study_manager');
  masked = await tenant.as('data_scientist');
  const csv = await readFile(DM_FILE, 'utf8');
  const lines = csv.trim().split(/\r?\n/);
  const header = (lines[0] as string).split(',').map((h) => h.replaceAll('"', ''));
  for (const line of lines.slice(1)) {
    // Every text field is quoted and none holds a comma: each line splits to the header's width.
    const r = line.split(',').map((v) => v.replaceAll('"', ''));
    expect(r).toHaveLength(header.length);
    truth.set(r[header.indexOf('USUBJID')] as string, [
      r[header.indexOf('BRTHDTC')] as string,
      r[header.indexOf('INVNAM')] as string,
    ]);
  }
  const upload = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/uploads`,
    ...multipartFile('dm.csv', csv),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  versionId = upload.json().data.id;
  await classify('BRTHDTC');
}, 120_000);
afterAll(() => t?.close());

describe('re-protection while readers are mid-request', () => {
  it('a query prepared before the swap runs after it with the right clear values; afterwards nothing stale', async () => {
    const before = await sealedRow();
    expect(before.columns.map((c) => c.name)).toEqual(['BRTHDTC']);
    const prepared = await clearReaderSql();
    expect(prepared).toContain(path.basename(before.sidecar));
    // One query already running when the swap starts, another only prepared: both must answer right.
    const inFlight = run(prepared);

    await classify('INVNAM');
    const after = await sealedRow();
    expect(after.sidecar).not.toBe(before.sidecar);
    expect(after.columns.map((c) => c.name).sort()).toEqual(['BRTHDTC', 'INVNAM']);

    for (const answer of [await inFlight, await run(prepared)]) {
      expect(answer.size).toBe(truth.size);
      for (const [id, [birth]] of truth) expect(answer.get(id)?.[0], id).toBe(birth);
    }
    expect(existsSync(path.join(t.ctx.config.dataDir, before.sidecar)), 'the old sidecar is retired, not gone').toBe(
      true,
    );

    // A cleared reader loading now reads both columns in clear, through the new sidecar.
    const fresh = await clearReaderSql();
    expect(fresh).toContain(path.basename(after.sidecar));
    expect(fresh).not.toContain(path.basename(before.sidecar));
    const clear = await run(fresh);
    for (const [id, [birth, investigator]] of truth) expect(clear.get(id)).toEqual([birth, investigator]);

    // No stale clear data: the stored file holds no clear investigator name, a masked reader gets masks.
    const db = await openDuckDb();
    try {
      const stored = await db.connection.runAndReadAll(
        `SELECT DISTINCT INVNAM FROM read_parquet(${quoteLiteral(path.join(t.ctx.config.dataDir, after.file))})`,
      );
      expect(stored.getRows().map(([v]) => String(v))).toEqual(['[PHI]']);
    } finally {
      db.close();
    }
    const res = await t.request(masked, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${versionId}/datasets/DM/rows?limit=1000`,
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { columns: { name: string }[]; rows: unknown[][] };
    const at = body.columns.findIndex((c) => c.name === 'INVNAM');
    expect(new Set(body.rows.map((r) => r[at]))).toEqual(new Set(['[PHI]']));
    for (const [, investigator] of truth.values()) expect(res.body).not.toContain(`"${investigator}"`);
  }, 120_000);

  it('the sweep removes a retired sidecar only after its grace period, never the one in use', async () => {
    const inUse = path.join(t.ctx.config.dataDir, (await sealedRow()).sidecar);
    const dir = path.dirname(inUse);
    const { readdir } = await import('node:fs/promises');
    const sidecars = () => readdir(dir).then((names) => names.filter((n) => /\.phi-[0-9a-f]{12}\.parquet$/.test(n)));
    expect((await sidecars()).length).toBe(2);
    expect(await sweepRetiredSidecars(t.ctx)).toEqual({ removed: 0 });
    expect((await sidecars()).length).toBe(2);
    const later = Date.now() + (RETIRED_SIDECAR_GRACE_MINUTES + 1) * 60_000;
    expect(await sweepRetiredSidecars(t.ctx, later)).toEqual({ removed: 1 });
    expect(await sidecars()).toEqual([path.basename(inUse)]);
    // The hourly job runs the sweep too; with nothing retired it removes nothing.
    expect(await runJob(t.ctx, 'data.sweep-temp', {})).toMatchObject({ status: 'done' });
    expect(existsSync(inUse)).toBe(true);
  }, 60_000);
});
