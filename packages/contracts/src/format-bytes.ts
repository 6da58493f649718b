const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];
const IEC_UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * A size for people, in 1024-steps as limits are configured (`64 MB` is 67,108,864 bytes): whole
 * numbers as they are, others to one decimal. `iec` names the units KiB, MiB, GiB, as the readers'
 * technical messages do. The one formatter of the server, the readers and the web app.
 */
export function formatBytes(bytes: number, options: { iec?: boolean } = {}): string {
  const units = options.iec ? IEC_UNITS : UNITS;
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
