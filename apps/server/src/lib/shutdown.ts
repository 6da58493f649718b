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
