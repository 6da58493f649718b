import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { convertUpload } from '@cdp/formats';
import { median } from './pilot-floor.ts';
import { pilotZip } from './transfer.ts';

/**
 * The pilot SDTM ZIP converted in this process by this checkout's formats package and by another's,
 * alternating ABBA, after a few uncounted conversions each (issue 17, x17f):
 *   node --import tsx bench/convert-ab.ts <baseline root> [rounds]
 * `<baseline root>`: another checkout's tree (e.g. `git archive main` unpacked). Prints per side the
 * median CPU (every thread of the process: the member thread's, V8's and libuv's too) and wall
 * milliseconds of a conversion, as the server's kept conversion worker runs it (minus the worker).
 */
const [baselineArg, roundsArg] = process.argv.slice(2);
if (!baselineArg) throw new Error('usage: convert-ab.ts <baseline root> [rounds]');
const rounds = Number(roundsArg ?? 20);
const baseline = (await import(path.resolve(baselineArg, 'packages/formats/src/index.ts'))) as {
  convertUpload: typeof convertUpload;
};
const zipWork = path.join(os.tmpdir(), 'cdp-bench-transfer');
await mkdir(zipWork, { recursive: true });
const pilot = await pilotZip(zipWork);
if (!pilot) throw new Error('the CDISC pilot SDTM is not in ../shared/data');
const zip = pilot.zip;
const work = await mkdtemp(path.join(os.tmpdir(), 'cdp-convert-ab-'));
const sides = { this: convertUpload, baseline: baseline.convertUpload };
const samples = {
  this: { cpu: [] as number[], wall: [] as number[] },
  baseline: { cpu: [] as number[], wall: [] as number[] },
};

async function once(name: keyof typeof sides, count: boolean): Promise<void> {
  const out = path.join(work, `${name}-out`);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await sides[name](zip, path.basename(zip), out, { memoryLimit: '256MB', tempDirectory: `${out}.spill` });
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (count) {
    samples[name].cpu.push((used.user + used.system) / 1000);
    samples[name].wall.push(wall);
  }
  await rm(out, { recursive: true, force: true });
  await rm(`${out}.spill`, { recursive: true, force: true });
}

try {
  for (let i = 0; i < 4; i++) {
    await once('this', false);
    await once('baseline', false);
  }
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? (['this', 'baseline'] as const) : (['baseline', 'this'] as const);
    for (const name of order) await once(name, true);
  }
  const summary = Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [
      name,
      { medianCpuMs: Math.round(median(s.cpu)), medianWallMs: Math.round(median(s.wall)) },
    ]),
  );
  console.log(JSON.stringify({ rounds, load: os.loadavg().map((l) => Math.round(l * 10) / 10), ...summary }));
} finally {
  await rm(work, { recursive: true, force: true });
}
process.exit(0);
