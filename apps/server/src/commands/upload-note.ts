import type { VersionWithDatasets } from '../repositories/data-versions.repo.ts';

/** The one line `cdp start` prints per upload: who, what, what it became, how long it took. */
export function uploadNote(fileName: string, by: string, created: VersionWithDatasets, ms: number): string {
  const rows = created.datasets.reduce((sum, d) => sum + d.rows, 0);
  const datasets = created.datasets.length;
  return (
    `upload ${fileName} by ${by}: ${datasets} dataset${datasets === 1 ? '' : 's'}, ` +
    `${rows.toLocaleString('en-US')} rows → version ${created.version.label} (${(ms / 1000).toFixed(1)} s)`
  );
}

export function uploadFailedNote(fileName: string, by: string, error: unknown): string {
  return `upload ${fileName} by ${by} refused: ${error instanceof Error ? error.message : String(error)}`;
}
