import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildRavePull, spawnRaveSim } from './rave-build.ts';
import { ROOT } from './server.ts';

const run = promisify(execFile);

/**
 * The Rave pull of this checkout against a baseline checkout on one simulator (the bench's study),
 * alternating A B B A so both sides share the machine's load (issue 13):
 *   node --import tsx bench/rave-ab.ts <baseline root> [full rounds] [incremental rounds]
 * The baseline root is a tree of main (`git archive main | tar -x`) with its node_modules copied in.
 * Each side's bench/rave-pull.ts is built as production builds the server (rave-build.ts) and runs
 * in a fresh process. Full pulls first, each into a state of its own; then the study changes (the
 * bench's five subjects) and each incremental pull starts from a copy of its side's full state.
 * Prints every pull's wall time (the pull's own clock), the process's CPU (every thread, start
 * included), peak RSS and the pull's log, and the load average beside each.
 */
const [baseRoot, fullArg, incrementalArg] = process.argv.slice(2);
if (!baseRoot) throw new Error('usage: rave-ab.ts <baseline root> [full rounds] [incremental rounds]');
const fullRounds = Number(fullArg ?? 1);
const incrementalRounds = Number(incrementalArg ?? 2);

interface Pull {
  side: string;
  kind: string;
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  load: number;
  log: string[];
}

const scratch = await mkdtemp(path.join(os.tmpdir(), 'bench-rave-ab-'));
const sim = spawnRaveSim(scratch);
const sides = [
  { name: 'this', entry: await buildRavePull(ROOT) },
  { name: 'base', entry: await buildRavePull(path.resolve(baseRoot)) },
];
const abba = <T>(round: number, [a, b]: T[]) => (round % 2 === 0 ? [a, b, b, a] : [b, a, a, b]) as T[];
const pulls: Pull[] = [];
try {
  const { url } = await sim.ready();
  const pull = async (side: (typeof sides)[number], stateDir: string, last: Date | null, kind: string) => {
    const { stdout, stderr } = await run(
      process.execPath,
      [side.entry, url, stateDir, path.join(scratch, 'work'), last ? last.toISOString() : '-'],
      { cwd: path.dirname(side.entry), maxBuffer: 1 << 20, env: { ...process.env, UV_THREADPOOL_SIZE: '4' } },
    );
    const figures = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Omit<Pull, 'side' | 'load' | 'log'>;
    const done: Pull = {
      ...figures,
      kind: `${kind} (${figures.kind})`,
      side: side.name,
      load: os.loadavg()[0] as number,
      log: stderr.trim().split('\n').filter(Boolean),
    };
    pulls.push(done);
    console.error(
      `${done.side} ${done.kind}: ${done.seconds.toFixed(2)} s, CPU ${done.cpuSeconds.toFixed(2)} s, ${Math.round(done.maxRssMb)} MB, load ${done.load.toFixed(1)}`,
    );
    for (const line of done.log) console.error(`    ${line}`);
    return done;
  };
  const fullState = (name: string) => path.join(scratch, `state-${name}`);
  let n = 0;
  for (let round = 0; round < fullRounds; round++) {
    for (const side of abba(round, sides)) {
      const dir = round === 0 && !pulls.some((p) => p.side === side.name) ? fullState(side.name) : `${scratch}/x${n++}`;
      await pull(side, dir, null, 'full');
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 1_100)); // start= has seconds precision
  const since = new Date();
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await sim.mutate();
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  for (let round = 0; round < incrementalRounds; round++) {
    for (const side of abba(round, sides)) {
      const dir = `${scratch}/i${n++}`;
      await cp(fullState(side.name), dir, { recursive: true });
      await pull(side, dir, since, 'incremental');
      await rm(dir, { recursive: true, force: true });
    }
  }
  const summary = (side: string, kind: string) => {
    const chosen = pulls.filter((p) => p.side === side && p.kind.startsWith(kind));
    return {
      seconds: chosen.map((p) => Math.round(p.seconds * 100) / 100),
      cpuSeconds: chosen.map((p) => Math.round(p.cpuSeconds * 100) / 100),
      maxRssMb: chosen.map((p) => Math.round(p.maxRssMb)),
      load: chosen.map((p) => Math.round(p.load * 10) / 10),
    };
  };
  console.log(
    JSON.stringify(
      Object.fromEntries(
        ['full', 'incremental'].map((kind) => [kind, { this: summary('this', kind), base: summary('base', kind) }]),
      ),
      null,
      2,
    ),
  );
} finally {
  await sim.stop();
  await rm(scratch, { recursive: true, force: true });
}
