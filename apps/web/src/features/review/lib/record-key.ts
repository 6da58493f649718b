/**
 * A row's review key text (`USUBJID=01-701-1015|AESEQ=3`) as the server writes it: numbers without
 * storage noise (`3.0` → `3`), text right-trimmed, blank as empty. The dataset grid matches its rows
 * to the review API's statuses with it.
 */
export function canonicalKeyValue(value: unknown, numeric: boolean): string {
  if (value === null || value === undefined) return '';
  if (numeric) {
    const n = typeof value === 'number' ? value : Number(String(value).trim());
    return String(value).trim() === '' || !Number.isFinite(n) ? '' : String(n);
  }
  return String(value).trimEnd();
}

export function rowKeyText(
  key: string[],
  columns: { name: string; type: string }[],
  row: readonly unknown[],
): string | null {
  const parts: string[] = [];
  for (const name of key) {
    const index = columns.findIndex((c) => c.name.toUpperCase() === name.toUpperCase());
    if (index < 0) return null;
    const numeric = columns[index]?.type === 'number' || columns[index]?.type === 'integer';
    parts.push(`${name}=${canonicalKeyValue(row[index], numeric)}`);
  }
  return parts.join('|');
}
