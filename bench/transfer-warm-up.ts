import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  convertInWorker,
  setConversionThreadNice,
  warmUpConversion,
} from '../apps/server/src/ingest/convert-in-worker.ts';
import { pilotZip } from './transfer.ts';

/**
 * The pilot SDTM ZIP converted again and again by the server's kept conversion worker, in this
 * process, after `warm-up rounds` of the start-up warm-up (issue 17, x17p):
 *   node --import tsx bench/transfer-warm-up.ts <warm-up rounds> [conversions] [memberThreads]
 * Prints the warm-up's CPU and time, then every conversion's process CPU (all threads) and wall
 * time: how far the first upload after a start is from the tenth. Run the variants as separate
 * processes, alternating, to compare them under the same load.
 */
const [roundsArg, countArg, memberThreadsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 8);
const count = Number(countArg ?? 10);
const work = path.join(os.tmpdir(), 'cdp-bench-transfer');
await mkdir(work, { recursive: true });
const pilot = await pilotZip(work);
if (!pilot) throw new Error('the CDISC pilot SDTM is not in ../shared/data');
setConversionThreadNice(Number(process.env.BACKGROUND_NICE ?? 0));
const dir = await mkdtemp(path.join(os.tmpdir(), 'cdp-warm-up-bench-'));
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
try {
  const warmCpu = cpuMs();
  const warmStart = performance.now();
  const done = await warmUpConversion(path.join(dir, 'warm-up'), rounds);
  const warmUp = { rounds: done, ms: Math.round(performance.now() - warmStart), cpuMs: Math.round(cpuMs() - warmCpu) };
  const conversions: { ms: number; cpuMs: number }[] = [];
  for (let i = 0; i < count; i++) {
    const outDir = path.join(dir, `out-${i}`);
    const cpu = cpuMs();
    const started = performance.now();
    const limits = memberThreadsArg === undefined ? {} : { memberThreads: Number(memberThreadsArg) };
    await convertInWorker({ file: pilot.zip, fileName: 'pilot.zip', outDir, limits }, 2);
    conversions.push({ ms: Math.round(performance.now() - started), cpuMs: Math.round(cpuMs() - cpu) });
    await rm(outDir, { recursive: true, force: true });
  }
  console.log(
    JSON.stringify({
      warmUp,
      load: os.loadavg()[0],
      cpuMs: conversions.map((c) => c.cpuMs),
      ms: conversions.map((c) => c.ms),
      rssMb: Math.round(process.memoryUsage().rss / 1024 ** 2),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
