import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type TestApp } from '../../../test/harness.ts';

/**
 * The fixed cost of an upload outside its conversion (issue 17): a small upload is mostly
 * PostgreSQL round trips. After its commit it reads its version back once, together with what
 * the PHI sealing needs, instead of one transaction each for the read back, the version's data,
 * the PHI classification and the sealed files.
 */
let t: TestApp;
let manager: Session;
let studyId: string;

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  manager = await tenant.as('study_manager');
});
afterAll(() => t.close());

describe('an upload', () => {
  it('takes four tenant transactions: the study, the version, the read back with the PHI inputs, the active version', async () => {
    const database = t.ctx.database;
    const original = database.tenant;
    let transactions = 0;
    database.tenant = ((orgId, fn) => {
      transactions++;
      return original.call(database, orgId, fn);
    }) as typeof database.tenant;
    try {
      const res = await t.request(manager, {
        method: 'POST',
        url: `/api/studies/${studyId}/uploads`,
        ...multipartFile('dm.csv', 'USUBJID,AGE\nS-1,40\nS-2,51\n'),
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().data.datasets).toEqual([expect.objectContaining({ name: 'dm', rows: 2 })]);
    } finally {
      database.tenant = original;
    }
    expect(transactions).toBe(4);
  });
});
