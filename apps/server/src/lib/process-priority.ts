import { readdirSync } from 'node:fs';
import os from 'node:os';

/**
 * Background CPU work (jobs, upload conversions) at a lower OS priority than request handling, so
 * that on a busy machine a request waits less for a core (issue 18, cluster bench). Linux keeps a
 * nice value per thread: `setpriority(PRIO_PROCESS, 0)` changes the calling thread only, a thread
 * id changes that thread, and a new thread starts with its creator's value. Elsewhere the value is
 * the process's. Raising nice needs no privilege; a failure (a container that forbids it) is
 * reported, never fatal.
 */

/** Lowers the calling thread's priority (and that of the threads it starts from now on). */
export function lowerThisThreadPriority(nice: number): boolean {
  try {
    os.setPriority(0, Math.max(os.getPriority(0), nice));
    return true;
  } catch {
    return false;
  }
}

/**
 * Lowers every thread of this process: the main thread and those that already run (V8's helpers,
 * libuv's pool once started); threads started later inherit it from their creator. Returns the
 * threads changed, or 0 when the system refused.
 */
export function lowerProcessPriority(nice: number): number {
  let changed = 0;
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    // No /proc (macOS): the value is the process's there.
    return lowerThisThreadPriority(nice) ? 1 : 0;
  }
  for (const tid of tids) {
    try {
      os.setPriority(Number(tid), Math.max(os.getPriority(Number(tid)), nice));
      changed++;
    } catch {
      // The thread ended meanwhile, or the system refused: the others still count.
    }
  }
  return changed;
}
