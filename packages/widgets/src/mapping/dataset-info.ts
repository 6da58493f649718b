import type { DatasetColumnType, WidgetFieldSpec } from '@cdp/contracts';
import type { WidgetType } from '../types.ts';

/** A dataset of the active data version as the mapping sees it (a manifest entry, less sizes). */
export interface DatasetInfo {
  name: string;
  label?: string | null;
  columns: ColumnInfo[];
}

export interface ColumnInfo {
  name: string;
  label: string | null;
  /** A `DatasetColumnType`; any other type fits only fields that take any column. */
  type: string;
}

/** What mapping needs of a widget type. */
export type MappableWidget = Pick<WidgetType, 'type' | 'fields' | 'datasets' | 'needsPopulation'>;

/** A dataset by name, case-insensitively (the query engine matches names the same way). */
export function findDataset(
  datasets: readonly DatasetInfo[],
  name: string | null | undefined,
): DatasetInfo | undefined {
  if (!name) return undefined;
  const upper = name.toUpperCase();
  return datasets.find((dataset) => dataset.name.toUpperCase() === upper);
}

export function findColumn(dataset: DatasetInfo | undefined, name: string): ColumnInfo | undefined {
  const upper = name.toUpperCase();
  return dataset?.columns.find((column) => column.name.toUpperCase() === upper);
}

/**
 * Whether a column's type fits a field: numbers and integers fit `number`, dates and datetimes
 * `date`; a date field also takes text (SDTM `--DTC` ISO 8601 dates are text).
 */
export function fitsType(types: WidgetFieldSpec['types'], column: ColumnInfo): boolean {
  if (types.includes('any')) return true;
  switch (column.type) {
    case 'number':
    case 'integer':
      return types.includes('number');
    case 'date':
    case 'datetime':
      return types.includes('date');
    case 'string':
      return types.includes('string') || types.includes('date');
    case 'boolean':
      return types.includes('boolean');
    default:
      return false;
  }
}

/** How a column type reads in a message. */
export function typeInWords(type: string): string {
  const words: Record<DatasetColumnType, string> = {
    string: 'text',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'a yes/no value',
    date: 'a date',
    datetime: 'a date and time',
    time: 'a time of day',
  };
  return words[type as DatasetColumnType] ?? type;
}
