import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createPythonExecutor } from '@cdp/pipelines';

const PYTHON = '/usr/bin/python3';
const RUNS = Number(process.env.BENCH_SANDBOX_RUNS ?? 10);
const SCRIPT = 'print("first line", flush=True)\nimport pandas as pd\nsave_dataset(pd.DataFrame({"a": [1]}), "one")';

/** Milliseconds from spawning plain python3 (no sandbox) to its first line of output. */
function plainFirstLine(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-I', '-B', '-u', '-c', 'print("first line")'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.on('error', reject);
    createInterface({ input: child.stdout }).once('line', () => resolve(performance.now() - started));
  });
}

/** The executor from its call to the script's first line, and to its end (pandas import and one save included). */
async function sandboxed(work: string, run: number): Promise<{ firstLineMs: number; totalMs: number }> {
  const outputDir = path.join(work, `out-${run}`);
  await mkdir(outputDir);
  const execute = createPythonExecutor({ scratchDir: work });
  const started = performance.now();
  let firstLineMs = Number.NaN;
  await execute({
    kind: 'python',
    body: { script: SCRIPT },
    inputs: [],
    outputDir,
    signal: new AbortController().signal,
    onProgress: () => {},
    onLog: (line) => {
      if (line.message === 'first line' && Number.isNaN(firstLineMs)) firstLineMs = performance.now() - started;
    },
  });
  return { firstLineMs, totalMs: performance.now() - started };
}

function summary(values: number[]): { medianMs: number; maxMs: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    medianMs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN),
    maxMs: Math.round(sorted.at(-1) ?? Number.NaN),
  };
}

/**
 * `npm run bench -- sandbox`: the Python sandbox's start-up overhead. Plain python3 to its first line,
 * beside a pipeline run (scratch folders, bwrap with its namespaces and mounts, prlimit, the helper
 * module) to the script's first line: the difference is what the sandbox costs. Target: under 1 s.
 */
export async function benchSandbox(): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'cdp-bench-sandbox-'));
  // As root the sandbox runs as an ordinary user, who must be able to enter its scratch folder.
  await chmod(work, 0o755);
  try {
    const plain: number[] = [];
    const first: number[] = [];
    const total: number[] = [];
    await plainFirstLine();
    for (let run = 0; run < RUNS; run++) {
      plain.push(await plainFirstLine());
      const measured = await sandboxed(work, run);
      first.push(measured.firstLineMs);
      total.push(measured.totalMs);
    }
    const plainSummary = summary(plain);
    const firstSummary = summary(first);
    return {
      runs: RUNS,
      plainPythonFirstLine: plainSummary,
      sandboxedScriptFirstLine: firstSummary,
      sandboxOverheadMedianMs: firstSummary.medianMs - plainSummary.medianMs,
      sandboxedRunWithPandasAndOneSave: summary(total),
      targetMs: 1000,
      meetsTarget: firstSummary.medianMs < 1000,
      note: 'first line: from the executor call to the script printing its first line (python3 -I, no inputs)',
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
