/** Reading a record's values by their CDISC names: the first column present and not blank wins. */

type Record = { [column: string]: unknown };

function present(value: unknown): boolean {
  return value !== null && value !== undefined && !(typeof value === 'string' && value.trim() === '');
}

/** Text of the first of `columns` that holds a value (numbers as their decimal text). */
export function textOf(record: Record, ...columns: string[]): string | null {
  for (const column of columns) {
    const value = record[column];
    if (!present(value)) continue;
    return typeof value === 'string' ? value.trim() : String(value);
  }
  return null;
}

/** The first of `columns` that holds a finite number (a numeric text counts: LBORNRLO "3.5"). */
export function numberOf(record: Record, ...columns: string[]): number | null {
  for (const column of columns) {
    const value = record[column];
    if (!present(value)) continue;
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
    if (Number.isFinite(n)) return n;
  }
  return null;
}

/** A CDISC Y/N flag: true for Y, false for N, null when absent or anything else. */
export function flagOf(record: Record, ...columns: string[]): boolean | null {
  const value = textOf(record, ...columns)?.toUpperCase();
  if (value === 'Y' || value === 'YES') return true;
  if (value === 'N' || value === 'NO') return false;
  return null;
}

/** ISO dates and partial dates compare as text; a missing date sorts last. */
export function byDate(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
