import { REVIEW_RECORDS_MAX_LIMIT } from '@cdp/contracts';
import { buildZip } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type TestApp } from '../../../test/harness.ts';

/**
 * Review status for a subject with more records than one page of statuses holds: the profile's
 * subject route and a listing's `usubjids` page both reach every record, so no record past the
 * first page goes without its badge.
 */

const RECORDS = REVIEW_RECORDS_MAX_LIMIT + 1200;
const DM = 'USUBJID,ARM\nS-001,Placebo\nS-002,Drug\n';
const LB = [
  'USUBJID,LBSEQ,LBTESTCD,LBSTRESN',
  ...Array.from({ length: RECORDS }, (_, i) => `S-001,${i + 1},ALT,${10 + (i % 40)}`),
  'S-002,1,ALT,20',
].join('\n');

let t: TestApp;
let manager: Session;
let studyId: string;
const base = () => `/api/studies/${studyId}/review`;

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  manager = await tenant.as('study_manager');
  const res = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/uploads`,
    ...multipartFile(
      'transfer.zip',
      buildZip([
        { name: 'dm.csv', data: DM },
        { name: 'lb.csv', data: LB },
      ]),
    ),
  });
  expect(res.statusCode, res.body).toBe(201);
  // One record far past the first page, marked reviewed.
  const mark = await t.request(manager, {
    method: 'POST',
    url: `${base()}/marks`,
    payload: { dataset: 'LB', key: { USUBJID: 'S-001', LBSEQ: RECORDS - 3 } },
  });
  expect(mark.statusCode, mark.body).toBe(201);
});
afterAll(() => t?.close());

describe('review status past one page of records', () => {
  it('the subject route returns every record of the subject, the far one reviewed', async () => {
    const res = await t.request(manager, { method: 'GET', url: `${base()}/subjects/S-001` });
    expect(res.statusCode, res.body).toBe(200);
    const records = (res.json().data.records as { dataset: string; recordKey: string; status: string }[]).filter(
      (r) => r.dataset === 'LB',
    );
    // Reference: the file has RECORDS rows for S-001, each LBSEQ once.
    expect(records).toHaveLength(RECORDS);
    expect(new Set(records.map((r) => r.recordKey)).size).toBe(RECORDS);
    const reviewed = records.filter((r) => r.status === 'reviewed').map((r) => r.recordKey);
    expect(reviewed).toEqual([`USUBJID=S-001|LBSEQ=${RECORDS - 3}`]);
  });

  it('a page of statuses holds up to the maximum, the next page the rest; past the maximum is a 400', async () => {
    const url = (offset: number, limit: number) =>
      `${base()}/datasets/LB/records?usubjids=S-001&usubjids=S-002&offset=${offset}&limit=${limit}`;
    const first = await t.request(manager, { method: 'GET', url: url(0, REVIEW_RECORDS_MAX_LIMIT) });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().data).toHaveLength(REVIEW_RECORDS_MAX_LIMIT);
    expect(first.json().page.total).toBe(RECORDS + 1);
    const rest = await t.request(manager, {
      method: 'GET',
      url: url(REVIEW_RECORDS_MAX_LIMIT, REVIEW_RECORDS_MAX_LIMIT),
    });
    expect(rest.json().data).toHaveLength(RECORDS + 1 - REVIEW_RECORDS_MAX_LIMIT);
    const keys = new Set([...first.json().data, ...rest.json().data].map((r: { recordKey: string }) => r.recordKey));
    expect(keys.size).toBe(RECORDS + 1);
    const tooMany = await t.request(manager, { method: 'GET', url: url(0, REVIEW_RECORDS_MAX_LIMIT + 1) });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.body).toContain('limit');
  });
});
