import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildRavePull, spawnRaveSim } from './rave-build.ts';
import { ROOT } from './server.ts';

const run = promisify(execFile);

/**
 * Where an incremental Rave pull's time goes (issue 13): one full pull of the bench study, the
 * bench's change (five subjects, one inactivated), then N incremental pulls, each from a copy of
 * the full state, in fresh processes, with their logs:
 *   node --import tsx bench/rave-incremental-loop.ts [N]
 * BENCH_RAVE_TIMELINE=1 lists every DuckDB statement (see rave-pull.ts); LOOP_WARM=1 runs each
 * incremental pull twice in its process (cold, then warm); LOOP_NODE_ARGS adds node flags to the
 * incremental pulls (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`); LOOP_KEEP=<dir> keeps the
 * full state there; LOOP_AB_ENV=NAME=value sets that variable for pulls 2, 3, 6, 7… (A B B A).
 */
const rounds = Number(process.argv[2] ?? 3);
const nodeArgs = (process.env.LOOP_NODE_ARGS ?? '').split(' ').filter(Boolean);
const scratch = await mkdtemp(path.join(os.tmpdir(), 'rave-loop-'));
const sim = spawnRaveSim(scratch);
try {
  const { url } = await sim.ready();
  const entry = await buildRavePull(ROOT);
  const pull = async (stateDir: string, last: Date | null, args: string[] = [], env: Record<string, string> = {}) => {
    const { stdout, stderr } = await run(
      process.execPath,
      [...args, entry, url, stateDir, path.join(scratch, 'work'), last ? last.toISOString() : '-'],
      {
        cwd: ROOT,
        maxBuffer: 1 << 22,
        env: { ...process.env, UV_THREADPOOL_SIZE: '4', ...env },
      },
    );
    console.error(stderr.trim());
    console.error(stdout.trim(), 'load', os.loadavg()[0]);
  };
  const full = path.join(scratch, 'state-full');
  await pull(full, null);
  await new Promise((r) => setTimeout(r, 1_100));
  const since = new Date();
  await new Promise((r) => setTimeout(r, 1_100));
  await sim.mutate();
  await new Promise((r) => setTimeout(r, 1_100));
  for (let i = 0; i < rounds; i++) {
    const dir = path.join(scratch, `i${i}`);
    await cp(full, dir, { recursive: true });
    // LOOP_AB_ENV=NAME=value: every other incremental pull with it (A B B A ...), for an A/B in one run.
    const [abName, abValue] = (process.env.LOOP_AB_ENV ?? '').split('=');
    const withAb = abName && abValue !== undefined && [1, 2].includes(i % 4) ? { [abName]: abValue } : {};
    console.error(`incremental pull ${i + 1}${Object.keys(withAb).length ? ` with ${process.env.LOOP_AB_ENV}` : ''}`);
    await pull(dir, since, nodeArgs, { ...(process.env.LOOP_WARM === '1' ? { BENCH_RAVE_WARM: '1' } : {}), ...withAb });
    await rm(dir, { recursive: true, force: true });
  }
  if (process.env.LOOP_KEEP) await cp(full, process.env.LOOP_KEEP, { recursive: true });
} finally {
  await sim.stop();
  await rm(scratch, { recursive: true, force: true });
}
