import { pipelineRuns, pipelines, type Tx } from '@cdp/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Tenant, type TestApp } from '../../test/harness.ts';
import { withoutFlush } from './run-commit.ts';
import { RunReporter } from './run-reporter.ts';

let t: TestApp;
let tenant: Tenant;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
});
afterAll(() => t?.close());

async function queuedRun(): Promise<string> {
  const orgId = tenant.org.id;
  const studyId = tenant.study.id;
  return t.database.system(async (tx) => {
    const [pipeline] = await tx
      .insert(pipelines)
      .values({
        orgId,
        studyId,
        name: `Reporter ${Math.random()}`,
        kind: 'dsl',
        body: {},
        inputs: [],
        outputs: ['OUT'],
        triggers: { onSourceActivation: false, schedule: null, afterUpstream: false },
        version: 1,
      })
      .returning();
    if (!pipeline) throw new Error('no pipeline');
    const [run] = await tx
      .insert(pipelineRuns)
      .values({ orgId, studyId, pipelineId: pipeline.id, pipelineVersion: 1, status: 'RUNNING', trigger: 'manual' })
      .returning();
    if (!run) throw new Error('no run');
    return run.id;
  });
}

describe('RunReporter', () => {
  it('writes a burst of log lines in order, together (not a transaction per line)', async () => {
    const runId = await queuedRun();
    const database = t.ctx.database;
    const tenantTx = database.tenant.bind(database);
    let transactions = 0;
    database.tenant = ((...args: Parameters<typeof tenantTx>) => {
      transactions += 1;
      return tenantTx(...args);
    }) as typeof database.tenant;
    try {
      const reporter = new RunReporter(t.ctx, tenant.org.id, runId, 0);
      for (let i = 1; i <= 15; i++) reporter.log({ level: 'info', step: i, message: `line ${i}` });
      // Lines reported a moment apart (here: after other work's promise settles) wait for each other.
      await Promise.resolve();
      for (let i = 16; i <= 30; i++) reporter.log({ level: 'info', step: i, message: `line ${i}` });
      await reporter.drain();
      expect(transactions).toBe(1);
      reporter.log({ level: 'warn', message: 'after the burst' });
      await reporter.drain();
      expect(transactions).toBe(2);
    } finally {
      database.tenant = tenantTx;
    }
    const { rows } = await t.admin.query(
      'select seq, level, step, message from pipeline_run_logs where run_id = $1 order by seq',
      [runId],
    );
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    expect(rows[0]).toMatchObject({ level: 'info', step: 1, message: 'line 1' });
    expect(rows[29]).toMatchObject({ step: 30, message: 'line 30' });
    expect(rows[30]).toMatchObject({ level: 'warn', step: null, message: 'after the burst' });
  });

  it('continues the sequence of a run that already has lines (a retried attempt)', async () => {
    const runId = await queuedRun();
    const first = new RunReporter(t.ctx, tenant.org.id, runId, 0);
    first.log({ level: 'info', message: 'attempt 1' });
    first.log({ level: 'error', message: 'attempt 1 failed' });
    await first.drain();
    const second = new RunReporter(t.ctx, tenant.org.id, runId, 2);
    second.log({ level: 'info', message: 'attempt 2' });
    await second.drain();
    const { rows } = await t.admin.query('select seq, message from pipeline_run_logs where run_id = $1 order by seq', [
      runId,
    ]);
    expect(rows).toEqual([
      { seq: 1, message: 'attempt 1' },
      { seq: 2, message: 'attempt 1 failed' },
      { seq: 3, message: 'attempt 2' },
    ]);
  });

  it("a run's bookkeeping commits without waiting for the WAL flush, in its own transaction only", async () => {
    // The setting and where it comes from: the test cluster may itself run without waiting for the
    // disk (EMBEDDED_PG_DURABLE=false), so `off` alone would prove nothing; a SET LOCAL shows as the
    // transaction's own ('session'), the cluster's default as its configuration.
    const setting = async (tx: Tx) =>
      (
        await tx.execute<{ setting: string; source: string }>(
          sql`select setting, source from pg_settings where name = 'synchronous_commit'`,
        )
      ).rows[0];
    const before = await t.database.tenant(tenant.org.id, setting);
    expect(before?.source).not.toBe('session');
    const inside = await withoutFlush(t.ctx, tenant.org.id, setting);
    expect(inside).toEqual({ setting: 'off', source: 'session' });
    // SET LOCAL ends with its transaction: the pooled connections' next ones are as they were.
    const after = await Promise.all(Array.from({ length: 6 }, () => t.database.tenant(tenant.org.id, setting)));
    expect(after).toEqual(Array(6).fill(before));
  });
});
