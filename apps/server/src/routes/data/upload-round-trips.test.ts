import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type TestApp } from '../../../test/harness.ts';
import { verifyAuditChain } from '../../audit/verify-chain.ts';

/**
 * The fixed cost of an upload outside its conversion (issue 17): a small upload is mostly
 * PostgreSQL round trips. The version's own transaction writes every audit and webhook event of
 * the upload in one statement, after one read that locks the study and the audit chain's head,
 * and before its commit reads the version back with what the PHI sealing needs (once a
 * transaction of its own, before that one each for the read back, the version's data, the PHI
 * classification and the sealed files). The answer's active version is the one that transaction
 * saw under its lock (once a transaction of its own too), and the answer says where the time went
 * (Server-Timing).
 */
let t: TestApp;
let manager: Session;
let studyId: string;
let orgId: string;

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  orgId = tenant.org.id;
  manager = await tenant.as('study_manager');
});
afterAll(() => t.close());

/** The statements each transaction of the app's pool sent while `run` ran, one list per transaction. */
async function transactionsDuring(run: () => Promise<void>): Promise<string[][]> {
  const pool = t.ctx.database.pool;
  const connect = pool.connect;
  const transactions: string[][] = [];
  const wrapped: { client: pg.PoolClient; query: pg.PoolClient['query'] }[] = [];
  pool.connect = ((...callback: unknown[]) => {
    // pool.query() connects with a callback: those are not the app's transactions.
    if (callback.length > 0) return (connect as (...a: unknown[]) => unknown).apply(pool, callback);
    return connectCounted();
  }) as typeof pool.connect;
  const connectCounted = async () => {
    const client = await (connect as () => Promise<pg.PoolClient>).call(pool);
    const query = client.query;
    wrapped.push({ client, query });
    let current: string[] | undefined;
    client.query = ((...args: Parameters<pg.PoolClient['query']>) => {
      const first = args[0] as unknown;
      const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
      if (/^\s*begin\b/i.test(text)) {
        current = [];
        transactions.push(current);
      }
      current?.push(text);
      // What the client runs after the commit (the pool's own reads) is no part of the transaction.
      if (/^\s*(commit|rollback)\b/i.test(text)) current = undefined;
      return (query as (...a: unknown[]) => unknown).apply(client, args);
    }) as pg.PoolClient['query'];
    return client;
  };
  try {
    await run();
  } finally {
    pool.connect = connect;
    for (const { client, query } of wrapped) client.query = query;
  }
  return transactions;
}

describe('an upload', () => {
  it('takes two tenant transactions; the version is written and read back in ten round trips, its events in one', async () => {
    const database = t.ctx.database;
    const original = database.tenant;
    let count = 0;
    database.tenant = ((id, fn) => {
      count++;
      return original.call(database, id, fn);
    }) as typeof database.tenant;
    let transactions: string[][] = [];
    try {
      transactions = await transactionsDuring(async () => {
        const res = await t.request(manager, {
          method: 'POST',
          url: `/api/studies/${studyId}/uploads`,
          ...multipartFile('dm.csv', 'USUBJID,AGE\nS-1,40\nS-2,51\n'),
        });
        expect(res.statusCode, res.body).toBe(201);
        expect(res.json().data.datasets).toEqual([expect.objectContaining({ name: 'dm', rows: 2 })]);
        // The study's first version is active, and the answer says so.
        expect(res.json().data.active).toBe(true);
        const phases = String(res.headers['server-timing'])
          .split(', ')
          .map((p) => p.split(';')[0]);
        expect(phases).toEqual(['study', 'receive', 'convert', 'files', 'commit', 'seal', 'present']);
      });
    } finally {
      database.tenant = original;
    }
    // The study, then the version's write with its read back.
    expect(count).toBe(2);

    // The study's first version: created and activated, two audit and two webhook events.
    const version = transactions.find((statements) => statements.some((s) => /insert into "data_versions"/.test(s)));
    expect(version, JSON.stringify(transactions, null, 1)).toBeDefined();
    const statements = version ?? [];
    // BEGIN with the tenant, the lock (study, audit head, webhook endpoints), the version, its
    // datasets, the events with the activation, the read back (the version with its datasets, the
    // study's PHI classes, its sealed files), COMMIT.
    expect(statements, statements.join('\n---\n')).toHaveLength(10);
    expect(statements.filter((s) => /audit_events/.test(s))).toHaveLength(1);
    expect(statements.filter((s) => /webhook_events/.test(s))).toHaveLength(1);

    const trail = await t.admin.query<{ action: string; resource_label: string }>(
      `select action, resource_label from audit_events where org_id = $1 and action like 'data_version.%' order by seq`,
      [orgId],
    );
    expect(trail.rows.map((r) => r.action)).toEqual(['data_version.created', 'data_version.activated']);
    expect(trail.rows[0]?.resource_label).toMatch(/ version of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(dm\.csv\)$/);
    const hooks = await t.admin.query<{ type: string }>(
      `select type from webhook_events where org_id = $1 order by type`,
      [orgId],
    );
    expect(hooks.rows.map((r) => r.type)).toEqual(['data_version.activated', 'data_version.created']);
    const chain = await database.tenant(orgId, (tx) => verifyAuditChain(tx, orgId));
    expect(chain.ok, JSON.stringify(chain)).toBe(true);
  });

  it('answers a later version as not active, the first staying active', async () => {
    const tenant = await t.tenant();
    const session = await tenant.as('study_manager');
    const upload = async () => {
      const res = await t.request(session, {
        method: 'POST',
        url: `/api/studies/${tenant.study.id}/uploads`,
        ...multipartFile('dm.csv', 'USUBJID,AGE\nS-1,40\n'),
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().data as { id: string; active: boolean };
    };
    const first = await upload();
    const second = await upload();
    expect([first.active, second.active]).toEqual([true, false]);
    const stored = await t.admin.query<{ active: string }>(
      'select active_data_version_id as active from studies where id = $1',
      [tenant.study.id],
    );
    expect(stored.rows[0]?.active).toBe(first.id);
  });
});
