import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { notifyRunChanged, RunChanges } from './run-changes.ts';

/*
 * A run's event stream wakes on its run's NOTIFY (sent in the transaction that changes the run)
 * instead of waiting for its next look at the rows. The fallback poll here is a minute, so a wait
 * that answers "changed" was woken by the notification; other runs' changes and rolled-back ones
 * wake nobody.
 */
let t: TestApp;
let changes: RunChanges;
beforeAll(async () => {
  t = await startTestApp();
  changes = new RunChanges(t.ctx);
});
afterAll(async () => {
  await changes?.stop();
  await t?.close();
});

const notify = (runId: string) => t.ctx.database.system((tx) => notifyRunChanged(tx, runId));

describe('run changes for event streams', () => {
  it('wakes the streams of the changed run at commit, not the others', async () => {
    // The LISTEN connection opens with the first wait: wait until a notification gets through.
    const probe = randomUUID();
    for (let i = 0; ; i++) {
      const woken = changes.wait(probe, 200);
      await notify(probe);
      if ((await woken) === 'changed') break;
      if (i > 100) throw new Error('the LISTEN connection never opened');
    }
    const run = randomUUID();
    const other = randomUUID();
    const first = changes.wait(run, 60_000);
    const second = changes.wait(run, 60_000);
    const elsewhere = changes.wait(other, 1_500);
    expect(changes.waiting).toBe(3);
    await notify(run);
    expect(await Promise.all([first, second])).toEqual(['changed', 'changed']);
    expect(await elsewhere).toBe('timeout');
    expect(changes.waiting).toBe(0);
  }, 60_000);

  it('a rolled-back change wakes nobody', async () => {
    const run = randomUUID();
    const woken = changes.wait(run, 1_500);
    await expect(
      t.ctx.database.system(async (tx) => {
        await notifyRunChanged(tx, run);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await woken).toBe('timeout');
  });
});
