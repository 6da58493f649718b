import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadContents as contents, PullHarness, simConfig } from '../testing/pull-harness.ts';
import { type RaveSimulator, startRaveSimulator } from '../testing.ts';
import { currentGeneration, statePartsLimit } from './state.ts';

/**
 * An incremental pull writes a changed form's state as a part holding its changed subjects'
 * records beside the previous files, rather than the whole state again; after `count` parts the
 * form is written whole. Whatever the state's parts, every version must read back exactly as a
 * full pull of the same data: every dataset, its columns and types, every value in order.
 */

const SECRET = 'rave-password';
let sim: RaveSimulator;
let limit: typeof statePartsLimit;

beforeAll(async () => {
  sim = await startRaveSimulator({ subjects: 12, forms: 3, visits: 3, itemsPerForm: 6 });
  limit = { ...statePartsLimit };
  // Any share of a form may go into parts here; at most two parts, then the form is written whole.
  statePartsLimit.count = 2;
  statePartsLimit.share = 1;
});

afterAll(async () => {
  Object.assign(statePartsLimit, limit);
  await sim.stop();
});

async function fullPull() {
  const harness = await PullHarness.create();
  try {
    return await contents((await harness.pull(simConfig(sim), SECRET)).upload);
  } finally {
    await harness.dispose();
  }
}

/** How many parts each form's state has now (0: written whole). */
async function parts(harness: PullHarness): Promise<Record<string, number>> {
  const info = (await currentGeneration(harness.stateDir))?.info;
  return Object.fromEntries(Object.entries(info?.forms ?? {}).map(([form, state]) => [form, state.parts?.length ?? 0]));
}

const wait = () => new Promise((resolve) => setTimeout(resolve, 1_100)); // start= has seconds precision

describe('Rave state parts', () => {
  it('a chain of incremental pulls through parts and back to a whole state equals full pulls at each step', async () => {
    const harness = await PullHarness.create();
    try {
      const config = simConfig(sim);
      await harness.pull(config, SECRET);
      expect(await parts(harness)).toEqual({ FORM01: 0, FORM02: 0, FORM03: 0 });

      // A changed value (FORM02), a removed record (FORM03), a subject leaving every form.
      sim.mutate({
        set: [{ cell: { subject: 1, visit: 0, form: 1, repeat: 0, item: 4 }, value: 'changed' }],
        removeRecord: [{ subject: 4, visit: 1, form: 2, repeat: 0 }],
        inactivateSubject: [9],
      });
      await wait();
      const second = await harness.pull(config, SECRET);
      expect(await parts(harness)).toEqual({ FORM01: 0, FORM02: 1, FORM03: 1 });
      expect(await contents(second.upload)).toEqual(await fullPull());

      // The same subject again (its rows in the part replace those of the part before), another
      // subject, and a cleared value.
      sim.mutate({
        set: [
          { cell: { subject: 1, visit: 0, form: 1, repeat: 0, item: 4 }, value: 'changed again' },
          { cell: { subject: 5, visit: 2, form: 1, repeat: 0, item: 2 }, value: null },
          { cell: { subject: 6, visit: 1, form: 0, repeat: 0, item: 1 }, value: '66' },
        ],
      });
      await wait();
      const third = await harness.pull(config, SECRET);
      expect(await parts(harness)).toEqual({ FORM01: 1, FORM02: 2, FORM03: 1 });
      expect(await contents(third.upload)).toEqual(await fullPull());

      // FORM02 has its two parts: the next change writes it whole; subject 9 comes back.
      sim.mutate({
        set: [{ cell: { subject: 2, visit: 1, form: 1, repeat: 0, item: 3 }, value: 'third' }],
        reactivateSubject: [9],
      });
      await wait();
      const fourth = await harness.pull(config, SECRET);
      expect((await parts(harness)).FORM02).toBe(0);
      const expected = await fullPull();
      expect(await contents(fourth.upload)).toEqual(expected);
      expect(((expected.FORM02?.rows ?? []) as unknown[][]).some((row) => row[0] === sim.subjectKey(9))).toBe(true);
    } finally {
      await harness.dispose();
    }
  });

  it('writes the whole state when parts are switched off (count 0), with the same datasets', async () => {
    const harness = await PullHarness.create();
    const count = statePartsLimit.count;
    statePartsLimit.count = 0;
    try {
      const config = simConfig(sim);
      await harness.pull(config, SECRET);
      sim.mutate({ set: [{ cell: { subject: 3, visit: 0, form: 0, repeat: 0, item: 2 }, value: 'whole' }] });
      await wait();
      const { upload } = await harness.pull(config, SECRET);
      expect(await parts(harness)).toEqual({ FORM01: 0, FORM02: 0, FORM03: 0 });
      expect(await contents(upload)).toEqual(await fullPull());
    } finally {
      statePartsLimit.count = count;
      await harness.dispose();
    }
  });
});
