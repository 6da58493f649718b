const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

/**
 * A size for people, in 1024-steps as limits are configured (`64 MB` is 67,108,864 bytes): whole
 * numbers as they are, others to one decimal. The one formatter of the server, the readers and the web app.
 */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${UNITS[unit]}`;
}
