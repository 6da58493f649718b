import { hasSharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AmendedPilot, amendedPilot } from '../../../test/amended-pilot.ts';
import type { Session, TestApp } from '../../../test/harness.ts';

/*
 * The dataset viewer's review-status filter together with its column filters and sort, on the
 * pilot SDTM AE: some records marked reviewed on version 1, one of them re-graded (AESEV MILD →
 * SEVERE) in version 2. Expected rows come from plain DuckDB SQL over the two stored Parquet files
 * and the marks as PostgreSQL holds them, with status decided by comparing the record's values in
 * the two versions (no hashing, no review code).
 */

const hasData = hasSharedData('the review-status row filter tests', 'cdiscpilot01', 'sdtm-original', 'ae.xpt');

let pilot: AmendedPilot;
let t: TestApp;
let manager: Session;
let monitor: Session;
let other: Session;
let studyId: string;
let v1: string;
let v2: string;
let sql: (query: string) => Promise<unknown[][]>;
/** `USUBJID|AESEQ` of the records marked on version 1, and the one re-graded in version 2. */
let marked: string[] = [];
let regraded = '';

const keyOf = (usubjid: unknown, seq: unknown) => `${String(usubjid)}|${Number(seq)}`;
const aeFileOf = (versionId: string) => pilot.fileOf(versionId, 'AE');

interface RowsAnswer {
  columns: { name: string }[];
  rows: unknown[][];
  total: number;
}

async function rows(query: Record<string, string | number>, versionId = v2, session = manager) {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return t.request(session, {
    method: 'GET',
    url: `/api/studies/${studyId}/versions/${versionId}/datasets/AE/rows?${search}`,
  });
}

/** The page's records as `USUBJID|AESEQ`, in the order the API gave them. */
function keysOf(answer: RowsAnswer): string[] {
  const names = answer.columns.map((c) => c.name.toUpperCase());
  const [subject, seq] = [names.indexOf('USUBJID'), names.indexOf('AESEQ')];
  return answer.rows.map((row) => keyOf(row[subject], row[seq]));
}

/**
 * The reference: version 2's records (as `where` and `orderBy` keep and order them, in SQL) with a
 * status from the marks in PostgreSQL and a comparison of each marked record's values in the two
 * versions: the same values → reviewed, other values → changed, no mark → not reviewed.
 */
async function expected(where: string, orderBy: string, status: 'reviewed' | 'changed' | 'not_reviewed') {
  const { rows: marks } = await t.admin.query(
    `select distinct on (record_key) key_values, action from review_marks
      where study_id = $1 and dataset = 'AE' order by record_key, created_at desc, id desc`,
    [studyId],
  );
  const inForce = new Set(
    marks.filter((m) => m.action === 'reviewed').map((m) => keyOf(m.key_values.USUBJID, m.key_values.AESEQ)),
  );
  const content = (json: unknown) => {
    const { file_row_number: _, ...values } = JSON.parse(String(json)) as Record<string, unknown>;
    return JSON.stringify(values);
  };
  const before = new Map(
    (await sql(`SELECT USUBJID, AESEQ, to_json(ae)::VARCHAR FROM read_parquet('${await aeFileOf(v1)}') ae`)).map(
      (r) => [keyOf(r[0], r[1]), content(r[2])],
    ),
  );
  const now = await sql(
    `SELECT USUBJID, AESEQ, to_json(ae)::VARCHAR FROM read_parquet('${await aeFileOf(v2)}', file_row_number = true) ae
     ${where} ORDER BY ${orderBy}`,
  );
  return now
    .filter((r) => {
      const key = keyOf(r[0], r[1]);
      const s = !inForce.has(key) ? 'not_reviewed' : before.get(key) === content(r[2]) ? 'reviewed' : 'changed';
      return s === status;
    })
    .map((r) => keyOf(r[0], r[1]));
}

beforeAll(async () => {
  if (!hasData) return;
  pilot = await amendedPilot(['dm.xpt', 'ae.xpt']);
  ({ t, studyId, manager, other, sql, v1 } = pilot);
  monitor = await pilot.tenant.as('clinical_monitor');

  // Five MILD and three MODERATE records, the first of each subject's in file order, marked reviewed.
  const picks = await sql(
    `SELECT USUBJID, AESEQ, AESEV FROM read_parquet('${await aeFileOf(v1)}', file_row_number = true)
      WHERE AESEV IN ('MILD', 'MODERATE') QUALIFY row_number() OVER (PARTITION BY AESEV ORDER BY file_row_number) <= CASE AESEV WHEN 'MILD' THEN 5 ELSE 3 END
      ORDER BY file_row_number`,
  );
  for (const [usubjid, seq] of picks) {
    const res = await t.request(monitor, {
      method: 'POST',
      url: `/api/studies/${studyId}/review/marks`,
      payload: { dataset: 'AE', key: { USUBJID: usubjid, AESEQ: Number(seq) } },
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  marked = picks.map((r) => keyOf(r[0], r[1]));
  const mild = picks.find((r) => r[2] === 'MILD') ?? [];
  regraded = keyOf(mild[0], mild[1]);
  v2 = await pilot.amend({
    dataset: 'AE',
    key: { USUBJID: String(mild[0]), AESEQ: Number(mild[1]) },
    column: 'AESEV',
    value: 'SEVERE',
    reason: 'AE re-graded',
  });
}, 240_000);

afterAll(async () => {
  await pilot?.close();
});

describe.runIf(hasData)('review status with the grid’s column filters (pilot SDTM AE)', () => {
  it('the reference sees seven records reviewed and the re-graded one changed', async () => {
    const reviewed = await expected('', 'file_row_number', 'reviewed');
    expect(reviewed.sort()).toEqual(marked.filter((k) => k !== regraded).sort());
    expect(await expected('', 'file_row_number', 'changed')).toEqual([regraded]);
  });

  it('reviewed AND AESEV = MILD: the four MILD records still as reviewed, in file order', async () => {
    const filter = JSON.stringify([{ column: 'AESEV', op: 'eq', value: 'MILD' }]);
    const res = await rows({ review: 'reviewed', filter, limit: 100 });
    expect(res.statusCode, res.body).toBe(200);
    const want = await expected(`WHERE AESEV = 'MILD'`, 'file_row_number', 'reviewed');
    expect(want).toHaveLength(4);
    expect(keysOf(res.json())).toEqual(want);
    expect(res.json().total).toBe(4);
  });

  it('changed since review AND a column filter: the re-graded record under SEVERE, none under MILD', async () => {
    const severe = await rows({
      review: 'changed',
      filter: JSON.stringify([{ column: 'AESEV', op: 'eq', value: 'SEVERE' }]),
    });
    expect(severe.statusCode, severe.body).toBe(200);
    expect(keysOf(severe.json())).toEqual([regraded]);
    expect(severe.json().total).toBe(1);
    const mild = await rows({
      review: 'changed',
      filter: JSON.stringify([{ column: 'AESEV', op: 'eq', value: 'MILD' }]),
    });
    expect(mild.json()).toMatchObject({ rows: [], total: 0 });
  });

  it('not reviewed AND two column filters, sorted, paged: every page and the total match the reference', async () => {
    const filter = JSON.stringify([
      { column: 'AESEV', op: 'in', value: ['MILD', 'MODERATE'] },
      { column: 'AESOC', op: 'contains', value: 'disorders' },
    ]);
    const want = await expected(
      `WHERE AESEV IN ('MILD', 'MODERATE') AND contains(lower(AESOC), 'disorders')`,
      'AESTDTC DESC NULLS LAST, file_row_number',
      'not_reviewed',
    );
    expect(want.length).toBeGreaterThan(200);
    const got: string[] = [];
    for (let offset = 0; offset < want.length; offset += 150) {
      const res = await rows({ review: 'not_reviewed', filter, sort: '-AESTDTC', offset, limit: 150 });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().total).toBe(want.length);
      got.push(...keysOf(res.json()));
    }
    expect(got).toEqual(want);
    // No marked record is among them, and the filters alone keep exactly these plus the marked ones.
    expect(got.filter((k) => marked.includes(k))).toEqual([]);
    const filtersOnly = await rows({ filter, limit: 1 });
    const markedKept =
      (
        await expected(
          `WHERE AESEV IN ('MILD', 'MODERATE') AND contains(lower(AESOC), 'disorders')`,
          'file_row_number',
          'reviewed',
        )
      ).length +
      (
        await expected(
          `WHERE AESEV IN ('MILD', 'MODERATE') AND contains(lower(AESOC), 'disorders')`,
          'file_row_number',
          'changed',
        )
      ).length;
    expect(filtersOnly.json().total).toBe(want.length + markedKept);
  });

  it('clearing the column filters keeps the status filter: totals match the review counts', async () => {
    const counts = await t.request(manager, { method: 'GET', url: `/api/studies/${studyId}/review/counts` });
    const ae = counts.json().data.datasets.find((d: { dataset: string }) => d.dataset === 'AE');
    for (const [status, count] of [
      ['reviewed', ae.reviewed],
      ['changed', ae.changed],
      ['not_reviewed', ae.notReviewed],
    ] as const) {
      const res = await rows({ review: status, limit: 1 });
      expect(res.json().total, status).toBe(count);
      expect(res.json().total, status).toBe((await expected('', 'file_row_number', status)).length);
    }
  });

  it('refuses a review filter on a version that is not active, naming the parameter', async () => {
    const res = await rows({ review: 'reviewed' }, v1);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.details.issues[0].path).toBe('query.review');
    expect(res.json().error.message).toMatch(/active data version/);
    const unknown = await rows({ review: 'removed' });
    expect(unknown.statusCode).toBe(400);
  });

  it('is tenant-scoped and needs data:view like the rows it filters', async () => {
    expect((await rows({ review: 'reviewed' }, v2, other)).statusCode).toBe(404);
    // The seeded monitor reviews without data:view: the grid (and so its filter) stays closed.
    expect((await rows({ review: 'reviewed' }, v2, monitor)).statusCode).toBe(403);
  });
});
