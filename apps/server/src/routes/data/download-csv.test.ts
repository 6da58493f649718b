import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type TestApp } from '../../../test/harness.ts';

/**
 * Dataset CSV downloads go through the product's one CSV writer: text a spreadsheet would run as a
 * formula is neutralised like the audit export does it; numbers, and text that is just a number,
 * are left alone; `raw=true` (API only) writes values exactly and is recorded in the audit trail.
 */
const SOURCE = [
  'USUBJID,LBORRES,LBSTRESN,NOTE',
  'S-1,-1.5,-1.5,"=HYPERLINK(""http://evil.example"",""x"")"',
  'S-2,+3,3,@SUM(A1)',
  'S-3,<0.5,0.25,"-2+3"',
  'S-4,7,-7,"\tTAB"',
].join('\n');

let t: TestApp;
let manager: Session;
let base: string;
let orgId: string;

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  orgId = tenant.org.id;
  manager = await tenant.as('study_manager');
  const res = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/uploads?csvTypes=LBORRES:string`,
    ...multipartFile('lb.csv', `${SOURCE}\n`),
  });
  expect(res.statusCode, res.body).toBe(201);
  base = `/api/studies/${tenant.study.id}/versions/${res.json().data.id}/datasets/lb/download`;
});
afterAll(() => t.close());

describe('dataset CSV download', () => {
  it('neutralises formulas in text cells and leaves numbers alone', async () => {
    const res = await t.request(manager, { method: 'GET', url: `${base}?format=csv` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(
      [
        'USUBJID,LBORRES,LBSTRESN,NOTE',
        `S-1,-1.5,-1.5,"'=HYPERLINK(""http://evil.example"",""x"")"`,
        "S-2,+3,3,'@SUM(A1)",
        "S-3,<0.5,0.25,'-2+3",
        "S-4,7,-7,'\tTAB",
        '',
      ].join('\r\n'),
    );
  });

  it('writes values exactly with raw=true, and the audit trail says so', async () => {
    const res = await t.request(manager, { method: 'GET', url: `${base}?format=csv&raw=true` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(
      `${SOURCE.replace('"-2+3"', '-2+3').replace('"\tTAB"', '\tTAB').replaceAll('\n', '\r\n')}\r\n`,
    );
    const { rows } = await t.admin.query(
      `SELECT new_values FROM audit_events WHERE org_id = $1 AND action = 'dataset.exported' ORDER BY seq`,
      [orgId],
    );
    expect(rows.map((r) => r.new_values.raw ?? false)).toEqual([false, true]);
  });

  it('refuses raw for formats it does not apply to', async () => {
    const res = await t.request(manager, { method: 'GET', url: `${base}?format=parquet&raw=true` });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('raw applies to CSV downloads only');
  });
});
