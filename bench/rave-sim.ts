import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startRaveSimulator } from '../packages/connectors/src/testing.ts';

/**
 * The Rave simulator of `npm run bench -- rave`, in a process of its own so its memory is not
 * counted as the connector's. Prints `{url, bytes}` once the full response is rendered; on a
 * `mutate` line changes a few subjects and answers `mutated`.
 */
const subjects = Number(process.env.BENCH_RAVE_SUBJECTS ?? 1_000);
const sim = await startRaveSimulator({ subjects, forms: 20, visits: 10, itemsPerForm: 20 });
const cache = path.join(process.env.BENCH_RAVE_DIR ?? os.tmpdir(), 'rave-full.xml');
const bytes = await sim.cacheFullResponse(cache);
console.log(JSON.stringify({ url: sim.url, bytes }));
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'mutate') {
    // Five subjects: a changed value each, one removed record, one inactivated subject.
    const changed = [3, 250, 499, 777, 998].filter((s) => s < subjects);
    sim.mutate({
      set: changed.map((s, i) => ({
        cell: { subject: s, visit: 2, form: 5 + i, repeat: 0, item: 6 },
        value: `changed ${i}`,
      })),
      removeRecord: [{ subject: changed[0] ?? 0, visit: 1, form: 0, repeat: 1 }],
      inactivateSubject: [changed[1] ?? 0],
    });
    console.log('mutated');
  } else if (line === 'stop') {
    await sim.stop();
    process.exit(0);
  }
}
