import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { nodeBundleOptions } from './bundle-options.ts';
import { ROOT } from './server.ts';

/**
 * The bench's Rave simulator (bench/rave-sim.ts) in a process of its own, its full response
 * rendered into `scratch`: `ready` gives its URL and the response's size; `mutate` changes the
 * bench's five subjects; `stop` ends it.
 */
export function spawnRaveSim(scratch: string) {
  const sim = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/rave-sim.ts')], {
    cwd: ROOT,
    env: { ...process.env, BENCH_RAVE_DIR: scratch },
  }) as ChildProcessWithoutNullStreams;
  const lines = createInterface({ input: sim.stdout })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const line = await lines.next();
    if (line.done) throw new Error('the Rave simulator stopped');
    return line.value;
  };
  return {
    ready: async () => JSON.parse(await nextLine()) as { url: string; bytes: number },
    mutate: async () => {
      sim.stdin.write('mutate\n');
      if ((await nextLine()) !== 'mutated') throw new Error('the Rave simulator did not change the study');
    },
    stop: async () => {
      sim.stdin.write('stop\n');
      await new Promise((resolve) => sim.once('exit', resolve));
    },
  };
}

/**
 * bench/rave-pull.ts compiled as `npm run build` compiles the server (scripts/build-server.mjs:
 * esbuild, our packages bundled, npm dependencies left to node_modules, `CDP_BUNDLED` defined), with
 * the Rave parsing thread as its own entry beside it (`rave-lane-worker.mjs`, which the bundled
 * parse-clinical.ts starts). A pull then runs under plain `node` as a production worker does: no
 * tsx compiling TypeScript in the measured process or in each parsing thread (the threads' tsx cost
 * ~0.57 s of CPU per full pull, which production never pays). `root` is a checkout (this one, or a
 * baseline tree for an A/B); the files go to its bench/results/rave-build/, inside the checkout so
 * node_modules resolve. Returns the pull's entry.
 */
export async function buildRavePull(root: string): Promise<string> {
  const { build } = await import('esbuild');
  const out = path.join(root, 'bench', 'results', 'rave-build');
  await build({
    ...nodeBundleOptions(root),
    entryPoints: {
      'rave-pull': path.join(root, 'bench/rave-pull.ts'),
      'rave-lane-worker': path.join(root, 'packages/connectors/src/rave/clinical-lane-worker.ts'),
    },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunk-[hash]',
    define: { 'process.env.CDP_BUNDLED': '"1"' },
  });
  return path.join(out, 'rave-pull.mjs');
}
