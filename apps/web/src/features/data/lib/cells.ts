import type { DatasetColumnType } from '@cdp/contracts';

export function isNumeric(type: DatasetColumnType): boolean {
  return type === 'number' || type === 'integer';
}

/** A cell as text; numbers keep the precision they were stored with. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}

/** Statistics read better grouped and rounded (`1,204.57`) than as stored. */
export function statText(value: unknown): string {
  if (typeof value === 'number') return value.toLocaleString(undefined, { maximumFractionDigits: 4 });
  return cellText(value);
}

/**
 * A starting width for a column, from its name, label and SAS length, so a grid of dozens of
 * columns is readable before anything is measured.
 */
export function columnWidth(column: { name: string; type: DatasetColumnType; length: number | null }): number {
  // Room for the type icon, the sort arrow and the column menu beside the name.
  const name = column.name.length * 7.5 + 84;
  const content =
    column.type === 'datetime'
      ? 170
      : column.type === 'date'
        ? 104
        : isNumeric(column.type)
          ? 96
          : Math.min(column.length ?? 16, 40) * 7.5 + 24;
  return Math.round(Math.min(340, Math.max(96, name, content)));
}
