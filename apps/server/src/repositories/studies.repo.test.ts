import { createDatabase, type Database } from '@cdp/db';
import { buildOrganization, buildStudy } from '@cdp/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../test/test-database.ts';
import type { Actor } from '../auth/actor.ts';
import { listVisibleStudies, readVisibleStudies } from './studies.repo.ts';

/*
 * `readVisibleStudies` is `listVisibleStudies` without a filter, in one round trip: the same rows in
 * the same order, for an organization-wide reader, a reader of some studies and a reader of none.
 */

let database: Database;
let orgId: string;
const codes = ['ST-C', 'ST-A', 'ST-B'];
const ids: string[] = [];

const grant = (studyId: string | null): Actor['grants'][number] => ({
  roleKey: 'clinical_monitor',
  roleName: 'Clinical monitor',
  studyId,
  permissions: ['study:view:assigned'],
  expiresAt: null,
});

const actorWith = (grants: Actor['grants']) => ({ orgId, grants });

beforeAll(async () => {
  database = createDatabase({ connectionString: testDatabase().appUrl, max: 2 });
  orgId = (await buildOrganization(database)).id;
  const other = await buildOrganization(database);
  for (const code of codes) ids.push((await buildStudy(database, { orgId, code })).id);
  await buildStudy(database, { orgId: other.id, code: 'ST-A' });
});
afterAll(() => database.close());

describe('readVisibleStudies', () => {
  it('reads the rows listVisibleStudies reads, in code order, for every kind of reader', async () => {
    for (const actor of [
      actorWith([grant(null)]),
      actorWith([grant(ids[0] ?? ''), grant(ids[2] ?? ''), grant(ids[0] ?? '')]),
      actorWith([]),
    ]) {
      const expected = await database.tenant(orgId, (tx) => listVisibleStudies(tx, actor, {}));
      expect(await readVisibleStudies(database, actor)).toEqual(expected);
    }
    const all = await readVisibleStudies(database, actorWith([grant(null)]));
    expect(all.map((s) => s.code)).toEqual(['ST-A', 'ST-B', 'ST-C']);
    expect(all[0]?.createdAt).toBeInstanceOf(Date);
    const some = await readVisibleStudies(database, actorWith([grant(ids[0] ?? ''), grant(ids[2] ?? '')]));
    expect(some.map((s) => s.code)).toEqual(['ST-B', 'ST-C']);
  });
});
