import { LISTING_SUBJECT_IDS_MAX } from '@cdp/contracts';
import { buildZip, hasSharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, type TestApp } from '../../../test/harness.ts';
import { pilotStudy } from '../../../test/pilot-study.ts';
import { parquetSql } from '../../../test/stored-datasets.ts';

/*
 * A subject listing's whole ordered list of subject ids (previous/next on the patient profile walk
 * it past the page on screen). On the pilot SDTM DM, the ids and their order must equal plain
 * DuckDB SQL over the stored Parquet: the listing's default order, the reader's sort, a dashboard
 * filter. A generated study of 5,100 subjects checks the 5,000-id cap.
 */

const hasData = hasSharedData('the listing subject-id tests', 'cdiscpilot01', 'sdtm-original', 'dm.xpt');

let t: TestApp;
let manager: Session;
let studyId: string;
let dashboardId: string;
let sql: (query: string) => Promise<unknown[][]>;
let closeDuck: () => void = () => undefined;

async function dashboardOn(session: Session, study: string, files: { name: string; data: Buffer | string }[]) {
  const upload = await t.request(session, {
    method: 'POST',
    url: `/api/studies/${study}/uploads`,
    ...multipartFile('extract.zip', buildZip(files)),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  const created = await t.request(session, {
    method: 'POST',
    url: `/api/studies/${study}/dashboards`,
    payload: { name: 'Overview', templateId: 'clinical-study-overview' },
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json().data.id as string;
}

function idsUrl(study: string, dashboard: string, query: Record<string, string | number>, widget = 'subject-listing') {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return `/api/studies/${study}/dashboards/${dashboard}/widgets/${widget}/subject-ids?${search}`;
}

/** Every id the route gives, page after page of `limit`. */
async function allIds(query: Record<string, string>, limit: number): Promise<{ ids: string[]; total: number }> {
  const ids: string[] = [];
  let total = 0;
  for (let offset = 0; ; offset += limit) {
    const res = await t.request(manager, {
      method: 'GET',
      url: idsUrl(studyId, dashboardId, { ...query, offset, limit }),
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    total = body.page.total;
    ids.push(...body.data);
    if (body.data.length < limit) return { ids, total };
  }
}

beforeAll(async () => {
  if (!hasData) return;
  const pilot = await pilotStudy();
  ({ t, studyId, manager } = pilot);
  dashboardId = (await pilot.dashboard('Overview', { templateId: 'clinical-study-overview' })).id;
  ({ sql, close: closeDuck } = await parquetSql(pilot.files, ['DM']));
}, 240_000);

afterAll(async () => {
  closeDuck();
  await t?.close();
});

describe.runIf(hasData)('a subject listing’s ordered subject ids (pilot SDTM DM)', () => {
  it('in the listing’s own order (subject id), every subject, across pages', async () => {
    const expected = (await sql('SELECT DISTINCT USUBJID FROM dm ORDER BY USUBJID')).map((r) => String(r[0]));
    expect(expected).toHaveLength(306);
    const { ids, total } = await allIds({}, 100);
    expect(total).toBe(306);
    expect(ids).toEqual(expected);
  });

  it('in the reader’s sort (age, descending, ties by subject) under a dashboard filter on sex', async () => {
    const expected = (await sql(`SELECT USUBJID FROM dm WHERE SEX = 'F' ORDER BY AGE DESC, USUBJID ASC`)).map((r) =>
      String(r[0]),
    );
    expect(expected.length).toBeGreaterThan(150);
    const filters = JSON.stringify([{ field: 'sex', op: 'in', value: ['F'] }]);
    const { ids, total } = await allIds({ filters, sort: '-age' }, 50);
    expect(total).toBe(expected.length);
    expect(ids).toEqual(expected);
    // The listing's own page on screen is the list's start: the same subjects in the same order.
    const page = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/dashboards/${dashboardId}/widgets/subject-listing/data?${new URLSearchParams({ filters, sort: '-age' })}`,
    });
    expect(page.statusCode, page.body).toBe(200);
    const column = page.json().columns.findIndex((c: { field: string }) => c.field === 'subject_id');
    const shown = page.json().rows.map((row: unknown[]) => String(row[column]));
    expect(shown.length).toBeGreaterThan(0);
    expect(ids.slice(0, shown.length)).toEqual(shown);
  });

  it('only a subject listing answers; a page past the cap is refused naming offset', async () => {
    const chart = await t.request(manager, { method: 'GET', url: idsUrl(studyId, dashboardId, {}, 'total-screened') });
    expect(chart.statusCode, chart.body).toBe(400);
    expect(chart.json().error.message).toMatch(/Only a subject listing/);
    const past = await t.request(manager, {
      method: 'GET',
      url: idsUrl(studyId, dashboardId, { offset: LISTING_SUBJECT_IDS_MAX }),
    });
    expect(past.statusCode).toBe(400);
    expect(past.json().error.details.issues[0].path).toMatch(/offset/);
    const missing = await t.request(manager, {
      method: 'GET',
      url: idsUrl(studyId, dashboardId, {}, 'no-such-widget'),
    });
    expect(missing.statusCode).toBe(404);
  });

  it('hands over the first 5,000 of a longer listing and counts them all', async () => {
    const tenant = await t.tenant();
    const owner = await tenant.as('study_manager');
    const subjects = Array.from({ length: 5100 }, (_, i) => `S-${String(i + 1).padStart(5, '0')}`);
    const dashboard = await dashboardOn(owner, tenant.study.id, [
      { name: 'dm.csv', data: `USUBJID,AGE\n${subjects.map((s, i) => `${s},${20 + (i % 60)}`).join('\n')}\n` },
    ]);
    const page = async (offset: number) => {
      const res = await t.request(owner, {
        method: 'GET',
        url: idsUrl(tenant.study.id, dashboard, { offset, limit: 1000 }),
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const last = await page(4000);
    expect(last.data).toEqual(subjects.slice(4000, 5000));
    expect(last.page.total).toBe(5100);
    expect(last.meta.max).toBe(5000);
    // A page reaching past the cap stops at it.
    expect((await page(4999)).data).toEqual([subjects[4999]]);
    // Another organization's user gets 404 for this dashboard.
    const other = await t.request(manager, { method: 'GET', url: idsUrl(tenant.study.id, dashboard, {}) });
    expect(other.statusCode).toBe(404);
  });
});
