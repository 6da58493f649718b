import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, lstat, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PipelineEngineUnavailableError } from '../executor.ts';

/** Where the sandbox's programs are; the defaults are Debian's packages. */
export interface SandboxPrograms {
  /** bubblewrap (Debian package `bubblewrap`). */
  bwrapPath: string;
  /** Python with pandas and numpy (Debian packages `python3`, `python3-pandas`). */
  pythonPath: string;
  /** util-linux `prlimit`, which sets the rlimits before bwrap starts. */
  prlimitPath: string;
  /**
   * The user the sandbox runs as when the server runs as root (default 65534, `nobody`). Root is
   * exempt from the process-count limit, so the sandbox must map to an ordinary user.
   */
  sandboxUid: number;
  sandboxGid: number;
}

export const DEFAULT_PROGRAMS: SandboxPrograms = {
  bwrapPath: '/usr/bin/bwrap',
  pythonPath: '/usr/bin/python3',
  prlimitPath: '/usr/bin/prlimit',
  sandboxUid: 65534,
  sandboxGid: 65534,
};

export interface SandboxLimits {
  wallClockSeconds: number;
  cpuSeconds: number;
  memoryBytes: number;
  processes: number;
  fileBytes: number;
  tmpBytes: number;
}

export interface SandboxMounts {
  /** Read-only: the inputs as exchange files, seen as /data/in. */
  inputDir: string;
  /** The one writable folder, seen as /data/out. */
  outputDir: string;
  /** Read-only: `run.py`, `pipeline.py` and `lib/cdp.py`, seen as /sandbox. */
  codeDir: string;
}

export type SandboxEnd =
  | { kind: 'exit'; code: number }
  | { kind: 'signal'; signal: string }
  | { kind: 'time-limit' }
  | { kind: 'aborted' };

/**
 * When the server runs as root the sandbox runs as `sandboxUid`, which must be able to walk down to
 * the run's folders: refuses, saying which folder to open up, when a parent of `dir` is closed to it.
 */
export async function checkReachable(dir: string, programs: SandboxPrograms): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const info = await stat(current);
    const traversable =
      (info.uid === programs.sandboxUid && info.mode & 0o100) ||
      (info.gid === programs.sandboxGid && info.mode & 0o010) ||
      info.mode & 0o001;
    if (!traversable) {
      throw new PipelineEngineUnavailableError(
        `the Python sandbox runs as user ${programs.sandboxUid}, which cannot enter ${current}: ` +
          `allow it (chmod o+x ${current}) or set the pipelines' scratch folder to a folder it can reach`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}

/** Refuses, with what to install, when a program the sandbox needs is missing: never runs unsandboxed. */
export async function checkPrograms(programs: SandboxPrograms): Promise<void> {
  const needs: [string, string, string][] = [
    [programs.bwrapPath, 'bubblewrap (bwrap)', 'bubblewrap'],
    [programs.prlimitPath, 'prlimit', 'util-linux'],
    [programs.pythonPath, 'Python 3 with pandas', 'python3-pandas'],
  ];
  for (const [file, what, pkg] of needs) {
    try {
      await access(file, constants.X_OK);
    } catch {
      throw new PipelineEngineUnavailableError(
        `Python pipelines need ${what}, which is not installed at ${file}: install the Debian package "${pkg}" ` +
          `(apt-get install ${pkg}). Scripts never run outside the sandbox.`,
      );
    }
  }
}

/**
 * bwrap's arguments. Every namespace is new (no network: only a loopback interface; own PID, IPC,
 * UTS, mount and user namespaces), the environment is cleared, capabilities are dropped and no
 * further user namespaces may be made. The file system is /usr (with Debian's /bin, /lib, /lib64
 * links and the /etc/alternatives links BLAS/LAPACK resolve through), a fresh /proc, /dev and a
 * small /tmp, the inputs read-only, one writable output folder and the code read-only: nothing else
 * of the host, and in particular nothing else of DATA_DIR.
 */
export async function bwrapArgs(
  programs: SandboxPrograms,
  mounts: SandboxMounts,
  limits: SandboxLimits,
): Promise<string[]> {
  const args = [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--cap-drop',
    'ALL',
    '--uid',
    '65534',
    '--gid',
    '65534',
    '--hostname',
    'sandbox',
    '--ro-bind',
    '/usr',
    '/usr',
  ];
  for (const top of ['/bin', '/sbin', '/lib', '/lib64']) {
    const stat = await lstat(top).catch(() => null);
    if (stat?.isSymbolicLink()) args.push('--symlink', await readlink(top), top);
    else if (stat?.isDirectory()) args.push('--ro-bind', top, top);
  }
  args.push(
    '--ro-bind-try',
    '/etc/alternatives',
    '/etc/alternatives',
    '--ro-bind-try',
    '/etc/ld.so.cache',
    '/etc/ld.so.cache',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(limits.tmpBytes),
    '--tmpfs',
    '/tmp',
    '--ro-bind',
    mounts.inputDir,
    '/data/in',
    '--bind',
    mounts.outputDir,
    '/data/out',
    '--ro-bind',
    mounts.codeDir,
    '/sandbox',
    // Stray files a script writes (a debugging CSV) go to /tmp, not beside its outputs.
    '--chdir',
    '/tmp',
    '--setenv',
    'PATH',
    '/usr/bin',
    '--setenv',
    'HOME',
    '/tmp',
    '--setenv',
    'LANG',
    'C.UTF-8',
    '--setenv',
    'TZ',
    'UTC',
    // One BLAS thread: threads count against the process limit, and the machine is shared.
    '--setenv',
    'OPENBLAS_NUM_THREADS',
    '1',
    '--setenv',
    'OMP_NUM_THREADS',
    '1',
    programs.pythonPath,
    '-I',
    '-B',
    '-u',
    '/sandbox/run.py',
  );
  return args;
}

export interface RunSandboxOptions {
  programs: SandboxPrograms;
  mounts: SandboxMounts;
  limits: SandboxLimits;
  signal: AbortSignal;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
}

/**
 * Runs the script in the sandbox and resolves how it ended. prlimit sets the rlimits (CPU seconds,
 * address space, processes, file size) and execs bwrap, so the limits hold for everything inside.
 * The sandbox is its own process group: the time limit and a cancel kill the whole group, and
 * bwrap's --die-with-parent plus the PID namespace take every process inside with it.
 */
export async function runSandbox(options: RunSandboxOptions): Promise<SandboxEnd> {
  const { programs, limits } = options;
  const args = [
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 5}`,
    `--as=${limits.memoryBytes}`,
    `--nproc=${limits.processes}`,
    `--fsize=${limits.fileBytes}`,
    '--',
    programs.bwrapPath,
    ...(await bwrapArgs(programs, options.mounts, limits)),
  ];
  const asRoot = process.getuid?.() === 0;
  const child = spawn(programs.prlimitPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {},
    ...(asRoot ? { uid: programs.sandboxUid, gid: programs.sandboxGid } : {}),
  });
  let ending: 'time-limit' | 'aborted' | undefined;
  const killGroup = (why: 'time-limit' | 'aborted') => {
    ending ??= why;
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(() => killGroup('time-limit'), limits.wallClockSeconds * 1000);
  const onAbort = () => killGroup('aborted');
  options.signal.addEventListener('abort', onAbort);
  if (options.signal.aborted) onAbort();
  const streams = (['stdout', 'stderr'] as const).map(
    (name) =>
      new Promise<void>((resolve) => {
        const input = child[name];
        if (!input) return resolve();
        const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
        lines.on('line', (line) => options.onLine(name, line));
        lines.on('close', resolve);
      }),
  );
  try {
    const end = await new Promise<SandboxEnd>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        if (ending) resolve({ kind: ending });
        else if (signal) resolve({ kind: 'signal', signal });
        else resolve({ kind: 'exit', code: code ?? 1 });
      });
    });
    await Promise.all(streams);
    return end;
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
    // Nothing of the group outlives the run, whatever happened.
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}
