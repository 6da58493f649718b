import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { convertUpload } from '@cdp/formats';
import type { recordDataVersion } from '../apps/server/src/commands/create-data-version.ts';
import { freePort } from '../scripts/cdp-process.ts';
import { addTiming, databaseUrls, median, settled, versionRecorder } from './pilot-floor.ts';
import { demoManagerStudy, startServer } from './server.ts';
import { pilotZip } from './transfer.ts';

/**
 * What follows an upload's conversion, this checkout's against another's (issue 17, x17f): the
 * version's naming, manifest, durable flushes, rename and transaction (`recordDataVersion`), with
 * the pilot SDTM's datasets converted once beforehand, against one running `cdp start`, the two
 * sides alternating ABBA so they meet the same load:
 *   node --import tsx bench/version-commit-ab.ts <baseline root> [rounds]
 * `<baseline root>`: another checkout's tree with its node_modules (e.g. `git archive main`
 * unpacked, node_modules linked). Prints per side the medians of files + commit (the wall time from
 * the conversion's end to the commit) and of each phase.
 */
const [baselineArg, roundsArg] = process.argv.slice(2);
if (!baselineArg) throw new Error('usage: version-commit-ab.ts <baseline root> [rounds]');
const rounds = Number(roundsArg ?? 10);
const baseline = (await import(path.resolve(baselineArg, 'apps/server/src/commands/create-data-version.ts'))) as {
  recordDataVersion: typeof recordDataVersion;
};
// The baseline's modules have their own run id: its temp folders need their own run lock.
const baselineRun = (await import(path.resolve(baselineArg, 'apps/server/src/lib/process-run.ts'))) as {
  holdRunLock: (url: string) => Promise<() => Promise<void>>;
};

const work = await mkdtemp(path.join(os.tmpdir(), 'cdp-version-ab-'));
const zipWork = path.join(os.tmpdir(), 'cdp-bench-transfer');
await mkdir(zipWork, { recursive: true });
const pilot = await pilotZip(zipWork);
if (!pilot) throw new Error('the CDISC pilot SDTM is not in ../shared/data');
const converted = await convertUpload(pilot.zip, path.basename(pilot.zip), path.join(work, 'converted'), {
  tempDirectory: path.join(work, 'spill'),
});
const pgPort = await freePort();
const server = await startServer({ EMBEDDED_PG_PORT: String(pgPort), DASHBOARD_WARM_AT_START: 'false' });
try {
  await settled(server);
  const { studyId } = await demoManagerStudy(server);
  const recorder = await versionRecorder(server, pgPort, studyId, converted.datasets, pilot.zip, {
    durable: true,
    measureTransaction: false,
  });
  const releaseBaseline = await baselineRun.holdRunLock((await databaseUrls(server, pgPort)).appUrl);
  const sides = {
    this: { record: undefined, phases: {} as Record<string, number[]>, tail: [] as number[] },
    baseline: {
      record: baseline.recordDataVersion,
      phases: {} as Record<string, number[]>,
      tail: [] as number[],
    },
  };
  try {
    const order: (keyof typeof sides)[] = [];
    for (let i = 0; i < rounds; i++)
      order.push(...(i % 2 === 0 ? (['this', 'baseline'] as const) : (['baseline', 'this'] as const)));
    // Three of each uncounted first (JIT, the pool's connections).
    for (let i = 0; i < 3; i++) {
      await recorder.once(sides.this.record);
      await recorder.once(sides.baseline.record);
    }
    for (const name of order) {
      const side = sides[name];
      const recorded = await recorder.once(side.record);
      addTiming(side.phases, recorded.phases);
      const phase = new Map(recorded.phases);
      side.tail.push((phase.get('files') ?? 0) + (phase.get('commit') ?? 0));
    }
  } finally {
    await releaseBaseline();
    await recorder.close();
  }
  const summary = Object.fromEntries(
    Object.entries(sides).map(([name, side]) => [
      name,
      {
        filesPlusCommitMs: Math.round(median(side.tail) * 10) / 10,
        phasesMs: Object.fromEntries(
          Object.entries(side.phases).map(([phase, ms]) => [phase, Math.round(median(ms) * 10) / 10]),
        ),
        filesPlusCommitSamplesMs: side.tail.map((ms) => Math.round(ms)),
      },
    ]),
  );
  console.log(JSON.stringify({ rounds, load: os.loadavg().map((l) => Math.round(l * 10) / 10), ...summary }, null, 2));
} finally {
  await server.cleanup();
  await rm(work, { recursive: true, force: true });
}
process.exit(0);
