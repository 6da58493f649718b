import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { convertUpload, type UploadLimits } from '@cdp/formats';

/**
 * ZIP members read in place against extracted to disk first (issue 17), in one warm process (what
 * the server's kept conversion worker is), the variants interleaved round by round so they share
 * the machine's load: `zip-members.ts <zip> <work> [rounds]` prints, per variant, the median wall
 * and CPU milliseconds of a conversion and the process's peak RSS.
 */
const [zipArg, workArg, roundsArg] = process.argv.slice(2);
if (!zipArg || !workArg) throw new Error('usage: zip-members.ts <zip> <work> [rounds]');
const zip: string = zipArg;
const work: string = workArg;
const rounds = Number(roundsArg ?? 5);

const VARIANTS: Record<string, UploadLimits> = {
  // The default: members up to 4 MiB (WHOLE_MEMBER_BYTES) inflated into one buffer, larger ones streamed.
  inPlace: {},
  streamEveryMember: { wholeMemberBytes: 0 },
  wholeUpTo8MiB: { wholeMemberBytes: 8 * 1024 * 1024 },
  extractedFirst: { membersInPlace: false },
};

async function once(limits: UploadLimits): Promise<{ wall: number; cpu: number; rows: number }> {
  const out = path.join(work, `zip-members-${process.pid}`);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await convertUpload(zip, path.basename(zip), out, { memoryLimit: '256MB', ...limits });
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await rm(out, { recursive: true, force: true });
  return { wall, cpu: (used.user + used.system) / 1000, rows: result.datasets.reduce((n, d) => n + d.rows, 0) };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

// Warm-up: the formats package compiled and JIT-warm, as in the kept worker.
for (const limits of Object.values(VARIANTS)) await once(limits);
const samples: Record<string, { wall: number[]; cpu: number[]; rows: number }> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, limits] of Object.entries(VARIANTS)) {
    const { wall, cpu, rows } = await once(limits);
    samples[name] ??= { wall: [], cpu: [], rows };
    samples[name].wall.push(wall);
    samples[name].cpu.push(cpu);
  }
}
const summary = Object.fromEntries(
  Object.entries(samples).map(([name, s]) => [
    name,
    { medianWallMs: Math.round(median(s.wall)), medianCpuMs: Math.round(median(s.cpu)), rows: s.rows },
  ]),
);
console.log(JSON.stringify({ rounds, ...summary, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
