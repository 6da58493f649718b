/** `YYYYMMDD_HHMMSS` in UTC: the folder name of a data version (ARCHITECTURE.md, "Clinical data on disk"). */
export function versionLabel(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}_${iso.slice(11, 19).replaceAll(':', '')}`;
}
