import { chmod, chown, copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PythonPipelineBody } from '@cdp/contracts';
import { openDuckDb } from '@cdp/formats';
import {
  type ExecutePipelineRequest,
  type ExecutePipelineResult,
  PipelineDefinitionError,
  PipelineEngineUnavailableError,
  type PipelineExecutor,
  type PipelineOutputFile,
} from '../executor.ts';
import { readSandboxOutput, savedNames, writeSandboxInput } from './exchange.ts';
import {
  checkPrograms,
  checkReachable,
  DEFAULT_PROGRAMS,
  runSandbox,
  type SandboxLimits,
  type SandboxPrograms,
} from './sandbox.ts';

/** run.py and cdp.py: beside this file, or in python/ beside the production bundle (scripts/build-server.mjs). */
const HERE = process.env.CDP_BUNDLED
  ? path.join(path.dirname(fileURLToPath(import.meta.url)), 'python')
  : path.dirname(fileURLToPath(import.meta.url));

export interface PythonExecutorOptions extends Partial<SandboxPrograms> {
  /** Where each run's sandbox folders are made and removed again (default: the system temp folder). */
  scratchDir?: string;
  /** Limits beyond the request's wall clock and memory. */
  processes?: number;
  fileBytes?: number;
}

const DEFAULT_WALL_CLOCK_SECONDS = 300;
const DEFAULT_MEMORY_BYTES = 2 * 1024 ** 3;
const DEFAULT_PROCESSES = 100;
const DEFAULT_FILE_BYTES = 4 * 1024 ** 3;
const TMP_BYTES = 64 * 1024 ** 2;
/** Log lines kept per run, and characters per line: a script printing in a loop must not flood the run's log. */
const MAX_LOG_LINES = 5000;
const MAX_LINE_CHARS = 2000;
const STEPS = 3;

/**
 * The Python engine: the script runs under Debian's python3 in the bubblewrap sandbox
 * (`sandbox.ts`), reading its inputs through `read_dataset` and saving outputs with `save_dataset`
 * (`cdp.py`, `exchange.ts`). Whatever happens, the sandbox's folders are removed; on failure the
 * output folder is left as empty as it was given.
 */
export function createPythonExecutor(options: PythonExecutorOptions = {}): PipelineExecutor {
  const programs: SandboxPrograms = { ...DEFAULT_PROGRAMS, ...options };
  return async (request) => {
    const body = parsePythonBody(request.body);
    await checkPrograms(programs);
    const scratchDir = options.scratchDir ?? os.tmpdir();
    await checkReachable(scratchDir, programs);
    const scratch = await mkdtemp(path.join(scratchDir, 'cdp-python-'));
    const written: string[] = [];
    try {
      return await run(request, body, programs, options, scratch, written);
    } catch (error) {
      await Promise.all(written.map((file) => rm(file, { force: true })));
      throw error;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  };
}

/** The Python engine with Debian's programs at their usual paths. */
export const executePython: PipelineExecutor = createPythonExecutor();

/** The body as its schema defines it, or a definition error naming each problem's path. */
export function parsePythonBody(body: unknown): PythonPipelineBody {
  const parsed = PythonPipelineBody.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new PipelineDefinitionError(
    parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || 'body', message: issue.message })),
  );
}

async function run(
  request: ExecutePipelineRequest,
  body: PythonPipelineBody,
  programs: SandboxPrograms,
  options: PythonExecutorOptions,
  scratch: string,
  written: string[],
): Promise<ExecutePipelineResult> {
  const mounts = {
    inputDir: path.join(scratch, 'in'),
    outputDir: path.join(scratch, 'out'),
    codeDir: path.join(scratch, 'code'),
  };
  await prepareFolders(scratch, mounts, programs);
  await copyFile(path.join(HERE, 'run.py'), path.join(mounts.codeDir, 'run.py'));
  await copyFile(path.join(HERE, 'cdp.py'), path.join(mounts.codeDir, 'lib', 'cdp.py'));
  await writeFile(path.join(mounts.codeDir, 'pipeline.py'), body.script);

  request.onProgress({ step: 1, steps: STEPS, message: 'preparing the inputs' });
  const db = await openDuckDb({ threads: 2, tempDirectory: path.join(scratch, 'duckdb') });
  try {
    for (const input of request.inputs) await writeSandboxInput(db.connection, input, mounts.inputDir);
  } finally {
    db.close();
  }
  await makeReadable(scratch);
  request.signal.throwIfAborted();

  const seconds = request.limits?.wallClockSeconds ?? DEFAULT_WALL_CLOCK_SECONDS;
  const limits: SandboxLimits = {
    wallClockSeconds: seconds,
    // The kernel's own stop, a little after the wall clock: it holds even if the server's timer never fires.
    cpuSeconds: Math.ceil(seconds) + 10,
    memoryBytes: request.limits?.memoryBytes ?? DEFAULT_MEMORY_BYTES,
    processes: options.processes ?? DEFAULT_PROCESSES,
    fileBytes: options.fileBytes ?? DEFAULT_FILE_BYTES,
    tmpBytes: TMP_BYTES,
  };
  request.onProgress({ step: 2, steps: STEPS, message: 'running the script' });
  const log = scriptLog(request);
  const started = performance.now();
  const end = await runSandbox({ programs, mounts, limits, signal: request.signal, onLine: log.line });
  log.flush();
  const duration = ((performance.now() - started) / 1000).toFixed(1);

  if (end.kind === 'aborted') throw request.signal.reason ?? new Error('cancelled');
  if (end.kind === 'time-limit') throw scriptError(`time limit of ${seconds} s reached`);
  if (log.sandboxFailure) {
    throw new PipelineEngineUnavailableError(`the Python sandbox could not start: ${log.sandboxFailure}`);
  }
  if (end.kind === 'signal') {
    const why =
      end.signal === 'SIGXCPU'
        ? `CPU time limit of ${limits.cpuSeconds} s reached`
        : end.signal === 'SIGXFSZ'
          ? `a file grew beyond the limit of ${formatBytes(limits.fileBytes)}`
          : `the script was stopped by ${end.signal} (CPU time limit of ${limits.cpuSeconds} s, or out of memory)`;
    throw scriptError(why);
  }
  if (end.code !== 0) throw scriptError(`the script failed${log.failure()}`);
  request.onLog({ level: 'info', message: `script finished in ${duration} s` });

  request.onProgress({ step: 3, steps: STEPS, message: 'writing the outputs' });
  const saved = await savedNames(mounts.outputDir);
  checkOutputs(saved, body.outputs);
  const outputs: PipelineOutputFile[] = [];
  const out = await openDuckDb({ threads: 2, tempDirectory: path.join(scratch, 'duckdb') });
  try {
    for (const name of saved) {
      const target = path.join(request.outputDir, `${name}.parquet`);
      written.push(target);
      const output = await readSandboxOutput(out.connection, mounts.outputDir, name, target);
      outputs.push(output);
      request.onProgress({ step: 3, steps: STEPS, rows: output.rows, message: name });
      request.onLog({ level: 'info', message: `${name}: ${output.rows.toLocaleString('en-US')} rows written` });
    }
  } finally {
    out.close();
  }
  return { outputs };
}

/**
 * The folders bwrap mounts. When the server runs as root the sandbox runs as an ordinary user (see
 * `SandboxPrograms.sandboxUid`), which must be able to read the inputs and code and write the outputs.
 */
async function prepareFolders(
  scratch: string,
  mounts: { inputDir: string; outputDir: string; codeDir: string },
  programs: SandboxPrograms,
): Promise<void> {
  await mkdir(mounts.inputDir);
  await mkdir(mounts.outputDir);
  await mkdir(path.join(mounts.codeDir, 'lib'), { recursive: true });
  if (process.getuid?.() === 0) await chown(mounts.outputDir, programs.sandboxUid, programs.sandboxGid);
  await chmod(scratch, 0o755);
}

async function makeReadable(scratch: string): Promise<void> {
  for (const entry of await readdir(scratch, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (path.relative(scratch, file).startsWith('out')) continue;
    await chmod(file, entry.isDirectory() ? 0o755 : 0o644);
  }
}

function checkOutputs(saved: string[], declared: string[] | undefined): void {
  if (saved.length === 0) {
    throw scriptError('the script saved no dataset: call save_dataset(df, "name") for each output');
  }
  if (!declared) return;
  const savedKeys = new Set(saved.map((s) => s.toLowerCase()));
  const declaredKeys = new Set(declared.map((d) => d.toLowerCase()));
  const issues = [
    ...declared.filter((d) => !savedKeys.has(d.toLowerCase())).map((d) => `"${d}" is an output but was not saved`),
    ...saved
      .filter((s) => !declaredKeys.has(s.toLowerCase()))
      .map((s) => `"${s}" was saved but is not one of the outputs`),
  ];
  if (issues.length > 0) throw scriptError(issues.join('; '));
}

function scriptError(message: string): PipelineDefinitionError {
  return new PipelineDefinitionError([{ path: 'script', message }]);
}

/** The script's output as log lines, bounded, remembering what explains a failure. */
function scriptLog(request: ExecutePipelineRequest) {
  let count = 0;
  let lastError = '';
  let errorLine: number | undefined;
  let sandboxFailure: string | undefined;
  return {
    get sandboxFailure() {
      return sandboxFailure;
    },
    line(stream: 'stdout' | 'stderr', text: string) {
      const line = text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…` : text;
      if (stream === 'stderr') {
        // bwrap's own complaints (before the script started) mean the sandbox is broken, not the script.
        if (/^bwrap: /.test(line) && count === 0) sandboxFailure = line.slice('bwrap: '.length);
        const where = /^\s*File "pipeline\.py", line (\d+)/.exec(line);
        if (where) errorLine = Number(where[1]);
        if (line.trim() && !/^\s/.test(line)) lastError = line.trim();
      }
      count++;
      if (count <= MAX_LOG_LINES) request.onLog({ level: stream === 'stderr' ? 'warn' : 'info', message: line });
    },
    flush() {
      if (count > MAX_LOG_LINES) {
        request.onLog({
          level: 'warn',
          message: `${(count - MAX_LOG_LINES).toLocaleString('en-US')} more lines were not kept`,
        });
      }
    },
    failure() {
      const at = errorLine === undefined ? '' : ` at line ${errorLine}`;
      return lastError ? `${at}: ${lastError}` : at;
    },
  };
}

function formatBytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}
