import { hasSharedData } from '@cdp/formats/testing';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AmendedPilot, amendedPilot } from '../../../test/amended-pilot.ts';
import type { Session, TestApp } from '../../../test/harness.ts';
import { runJob } from '../../jobs/run-job.ts';

/*
 * The subject listing's review-status filter (`options.review`) together with the dashboard's
 * filters, on the pilot SDTM: twelve subjects' DM records marked reviewed on version 1, one of them
 * changed (RACE) in version 2, which is then activated. Expected subjects come from plain DuckDB SQL
 * over the stored DM files and the marks as PostgreSQL holds them, a subject's status decided by
 * comparing its DM row in the marked version with the active one (no hashing, no review code).
 */

const hasData = hasSharedData('the listing review-filter tests', 'cdiscpilot01', 'sdtm-original', 'dm.xpt');

type Status = 'reviewed' | 'changed' | 'not_reviewed';
const STATUSES: Status[] = ['reviewed', 'changed', 'not_reviewed'];
const ARMS = ['Placebo', 'Xanomeline Low Dose', 'Xanomeline High Dose'];

let pilot: AmendedPilot;
let t: TestApp;
let manager: Session;
let monitor: Session;
let auditor: Session;
let other: Session;
let studyId: string;
let orgId: string;
let dashboardId: string;
let pageId: string;
let v2: string;
let sql: (query: string) => Promise<unknown[][]>;
let changedSubject = '';

const dmFileOf = (versionId: string) => pilot.fileOf(versionId, 'DM');

async function mark(usubjid: string) {
  const res = await t.request(monitor, {
    method: 'POST',
    url: `/api/studies/${studyId}/review/marks`,
    payload: { dataset: 'DM', key: { USUBJID: usubjid } },
  });
  expect(res.statusCode, res.body).toBe(201);
}

/**
 * The reference: the active version's DM subjects (as `where` keeps them, in id order) whose
 * status is `status`: a mark in force whose version's DM row equals the active one is reviewed,
 * another row changed, no mark not reviewed.
 */
async function expected(where: string, status: Status): Promise<string[]> {
  const { rows: marks } = await t.admin.query(
    `select distinct on (record_key) usubjid, action, data_version_id from review_marks
      where study_id = $1 and dataset = 'DM' order by record_key, created_at desc, id desc`,
    [studyId],
  );
  const rowsOf = async (versionId: string) =>
    new Map(
      (await sql(`SELECT USUBJID, to_json(dm)::VARCHAR FROM read_parquet('${await dmFileOf(versionId)}') dm`)).map(
        (r) => [String(r[0]), String(r[1])],
      ),
    );
  const now = await rowsOf(v2);
  const marked = new Map<string, Status>();
  for (const m of marks.filter((m) => m.action === 'reviewed')) {
    const then = await rowsOf(m.data_version_id);
    marked.set(m.usubjid, then.get(m.usubjid) === now.get(m.usubjid) ? 'reviewed' : 'changed');
  }
  const kept = await sql(
    `SELECT DISTINCT USUBJID FROM read_parquet('${await dmFileOf(v2)}') ${where} ORDER BY USUBJID`,
  );
  return kept.map((r) => String(r[0])).filter((id) => (marked.get(id) ?? 'not_reviewed') === status);
}

const armFilter = (arm: string) => [{ field: 'arm', op: 'in', value: [arm] }];
const armWhere = (arm: string) => `WHERE upper(trim(ARM)) = '${arm.toUpperCase()}'`;

function url(tail: string, query: Record<string, unknown>, study = studyId) {
  const search = new URLSearchParams(
    Object.entries(query).map(([k, v]) => [
      k,
      typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v),
    ]),
  );
  return `/api/studies/${study}/dashboards/${dashboardId}${tail}?${search}`;
}

interface Answer {
  columns: { name: string; field?: string }[];
  rows: unknown[][];
  total: number;
}

const idsOf = (answer: Answer) => {
  const column = answer.columns.findIndex((c) => c.name === 'subject_id');
  return answer.rows.map((row) => String(row[column]));
};

/** Every subject the listing shows, page after page, and its total. */
async function listing(filters: unknown[], review: Status, session = manager) {
  const ids: string[] = [];
  let total = -1;
  for (let offset = 0; total < 0 || offset < total; ) {
    const res = await t.request(session, {
      method: 'GET',
      url: url('/widgets/subject-listing/data', { filters, options: { review }, offset }),
    });
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json() as Answer;
    total = answer.total;
    ids.push(...idsOf(answer));
    if (answer.rows.length === 0) break;
    offset += answer.rows.length;
  }
  return { ids, total };
}

beforeAll(async () => {
  if (!hasData) return;
  pilot = await amendedPilot(['dm.xpt']);
  ({ t, studyId, orgId, manager, other, sql } = pilot);
  monitor = await pilot.tenant.as('clinical_monitor');
  auditor = await pilot.tenant.as('auditor');
  const created = await pilot.dashboard('Overview', { templateId: 'clinical-study-overview' });
  dashboardId = created.id;
  const pages = created.document.pages as { id: string; widgets: Record<string, unknown> }[];
  pageId = pages.find((p) => p.widgets['subject-listing'])?.id ?? '';

  // The first four subjects of each arm, by id, marked reviewed on version 1.
  const picks = await sql(
    `SELECT USUBJID FROM read_parquet('${await dmFileOf(pilot.v1)}') WHERE ARM IN ('Placebo', 'Xanomeline Low Dose', 'Xanomeline High Dose')
      QUALIFY row_number() OVER (PARTITION BY ARM ORDER BY USUBJID) <= 4 ORDER BY USUBJID`,
  );
  for (const [id] of picks) await mark(String(id));
  changedSubject = String(picks[0]?.[0]);
  v2 = await pilot.amend({
    dataset: 'DM',
    key: { USUBJID: changedSubject },
    column: 'RACE',
    value: 'OTHER',
    reason: 'RACE corrected',
  });
}, 240_000);

afterAll(async () => {
  await pilot?.close();
});

describe.runIf(hasData)('the subject listing’s review filter with the dashboard’s filters (pilot SDTM)', () => {
  it('the reference sees eleven subjects reviewed and the changed one as changed', async () => {
    expect(await expected('', 'reviewed')).toHaveLength(11);
    expect(await expected('', 'changed')).toEqual([changedSubject]);
  });

  it('every arm × every status: the listing’s rows and total equal the reference, and the three statuses partition the arm', async () => {
    for (const arm of ARMS) {
      const all: string[] = [];
      for (const status of STATUSES) {
        const want = await expected(armWhere(arm), status);
        const got = await listing(armFilter(arm), status);
        expect(got.ids, `${arm} ${status}`).toEqual(want);
        expect(got.total, `${arm} ${status}`).toBe(want.length);
        all.push(...got.ids);
      }
      expect(all.sort()).toEqual(
        (await sql(`SELECT USUBJID FROM read_parquet('${await dmFileOf(v2)}') ${armWhere(arm)} ORDER BY 1`)).map((r) =>
          String(r[0]),
        ),
      );
    }
  });

  it('no dashboard filter, and a filter on another field (sex) with a sort', async () => {
    expect((await listing([], 'changed')).ids).toEqual([changedSubject]);
    const want = await expected(`WHERE upper(trim(SEX)) = 'F'`, 'reviewed');
    const sorted = await t.request(manager, {
      method: 'GET',
      url: url('/widgets/subject-listing/data', {
        filters: [{ field: 'sex', op: 'in', value: ['F'] }],
        options: { review: 'reviewed' },
        sort: '-subject_id',
      }),
    });
    expect(sorted.statusCode, sorted.body).toBe(200);
    expect(idsOf(sorted.json())).toEqual([...want].reverse());
  });

  it('subject-ids (previous/next) walk the filtered list, in the listing’s order', async () => {
    const arm = ARMS[2] as string;
    const want = await expected(armWhere(arm), 'not_reviewed');
    const res = await t.request(manager, {
      method: 'GET',
      url: url('/widgets/subject-listing/subject-ids', {
        filters: armFilter(arm),
        options: { review: 'not_reviewed' },
      }),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual(want);
    expect(res.json().page.total).toBe(want.length);
  });

  it('drill-down and its download keep the filter', async () => {
    const arm = ARMS[0] as string;
    const want = await expected(armWhere(arm), 'reviewed');
    const drill = await t.request(manager, {
      method: 'GET',
      url: url('/widgets/subject-listing/subjects', { point: { arm }, options: { review: 'reviewed' } }),
    });
    expect(drill.statusCode, drill.body).toBe(200);
    expect(idsOf(drill.json())).toEqual(want);
    const file = await t.request(manager, {
      method: 'GET',
      url: url('/widgets/subject-listing/subjects/export', { point: { arm }, options: { review: 'reviewed' } }),
    });
    expect(file.statusCode, file.body).toBe(200);
    const lines = file.body.trim().split(/\r?\n/).slice(1);
    expect(lines.map((l) => l.split(',')[0]?.replace(/"/g, ''))).toEqual(want);
  });

  it('the widget’s CSV export holds the filtered listing whole; the XLSX names the filter', async () => {
    const arm = ARMS[1] as string;
    const want = await expected(armWhere(arm), 'not_reviewed');
    const csv = await t.request(manager, {
      method: 'GET',
      url: url('/widgets/subject-listing/export', {
        format: 'csv',
        filters: armFilter(arm),
        options: { review: 'not_reviewed' },
      }),
    });
    expect(csv.statusCode, csv.body).toBe(200);
    const ids = csv.body
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((l) => l.split(',')[0]?.replace(/"/g, ''));
    expect(ids).toEqual(want);
    const xlsx = await t.request(manager, {
      method: 'GET',
      url: url('/widgets/subject-listing/export', { format: 'xlsx', options: { review: 'not_reviewed' } }),
    });
    expect(xlsx.statusCode).toBe(200);
  });

  it('the page route answers the listing with its choice in one request, equal to the widget route', async () => {
    const filters = armFilter(ARMS[0] as string);
    const page = await t.request(manager, {
      method: 'GET',
      url: url('/data', { page: pageId, filters, wo: { 'subject-listing': { review: 'not_reviewed' } } }),
    });
    expect(page.statusCode, page.body).toBe(200);
    const widgets = page.json().data.widgets as { id: string; data?: Answer }[];
    const fromPage = widgets.find((w) => w.id === 'subject-listing')?.data;
    const alone = await t.request(manager, {
      method: 'GET',
      url: url('/widgets/subject-listing/data', { filters, options: { review: 'not_reviewed' } }),
    });
    expect(fromPage?.rows).toEqual(alone.json().rows);
    expect(fromPage?.total).toBe(alone.json().total);
    expect(fromPage?.total).toBe((await expected(armWhere(ARMS[0] as string), 'not_reviewed')).length);
    const unknown = await t.request(manager, {
      method: 'GET',
      url: url('/data', { wo: { nowhere: { review: 'reviewed' } } }),
    });
    expect(unknown.statusCode).toBe(400);
  });

  it('a dashboard export (XLSX) keeps the listing’s review choice with the arm filter, and its cover names it', async () => {
    const arm = ARMS[0] as string;
    const want = await expected(armWhere(arm), 'not_reviewed');
    const left = await expected(armWhere(arm), 'reviewed');
    const queued = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/dashboards/${dashboardId}/exports`,
      payload: {
        format: 'xlsx',
        pages: [pageId],
        filters: armFilter(arm),
        widgetOptions: { 'subject-listing': { review: 'not_reviewed' } },
      },
    });
    expect(queued.statusCode, queued.body).toBe(202);
    const id = queued.json().data.id as string;
    await runJob(t.ctx, 'exports.render', { orgId, exportId: id });
    const file = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/dashboards/${dashboardId}/exports/${id}/file`,
    });
    expect(file.statusCode, file.body).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    const texts: string[] = [];
    workbook.eachSheet((sheet) =>
      sheet.eachRow((row) =>
        row.eachCell((cell) => {
          if (typeof cell.value === 'string') texts.push(cell.value);
        }),
      ),
    );
    for (const subject of want) expect(texts, subject).toContain(subject);
    for (const subject of left) expect(texts, subject).not.toContain(subject);
    expect(texts.some((text) => /subject review status is not reviewed/.test(text))).toBe(true);
  });

  it('a subject marked again on the new version reads reviewed; the next mark changes the answer at once', async () => {
    await mark(changedSubject);
    expect((await listing([], 'changed')).ids).toEqual([]);
    expect((await listing([], 'reviewed')).ids).toEqual(await expected('', 'reviewed'));
    expect(await expected('', 'reviewed')).toContain(changedSubject);
  });

  it('refusals: a bad status names options.review; another tenant 404; no review read 403', async () => {
    const bad = await t.request(manager, {
      method: 'GET',
      url: url('/widgets/subject-listing/data', { options: { review: 'removed' } }),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/options\.review/);
    const foreign = await t.request(other, {
      method: 'GET',
      url: url('/widgets/subject-listing/data', { options: { review: 'reviewed' } }),
    });
    expect(foreign.statusCode).toBe(404);
    // The auditor sees the dashboard but may read neither data nor review status.
    const plain = await t.request(auditor, { method: 'GET', url: url('/widgets/subject-listing/data', {}) });
    expect(plain.statusCode, plain.body).toBe(200);
    const refused = await t.request(auditor, {
      method: 'GET',
      url: url('/widgets/subject-listing/data', { options: { review: 'reviewed' } }),
    });
    expect(refused.statusCode).toBe(403);
    // The monitor reviews without data:view: the filter is theirs.
    const monitored = await listing([], 'reviewed', monitor);
    expect(monitored.ids).toEqual(await expected('', 'reviewed'));
  });
});
