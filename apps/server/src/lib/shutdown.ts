/**
 * Set once a stop signal arrives. On Ctrl-C the terminal signals the embedded PostgreSQL at the
 * same moment as us, so connections drop while we are still closing: expected, not an error.
 */
let shuttingDown = false;

export function markShuttingDown(): void {
  shuttingDown = true;
}

export function isShuttingDown(): boolean {
  return shuttingDown;
}

/**
 * Back to running. Only for tests: test files share a process (vitest.config.ts, `isolate: false`),
 * and a file that raised the flag must not leave the next file's server "not ready".
 */
export function resetShuttingDown(): void {
  shuttingDown = false;
}
