import { sasFormatName } from '../sas-formats.ts';
import type { DatasetInfo } from '../types.ts';
import type { SasCatalog } from './read-sas7bcat.ts';

/** The `DatasetInfo.metadata` key under which `readSas7bdat({ catalog })` stores the labels, as JSON. */
export const VALUE_LABELS_METADATA_KEY = 'sas.valueLabels';

/**
 * Value labels for the columns of a data set whose display format is a user format defined in
 * the catalog: column name → stored value → label. Stored values are keyed as text — numbers as
 * JavaScript prints them (`1`, `2.5`), character values trimmed, special missing values as `.`,
 * `._`, `.A`..`.Z` — so the result is plain JSON.
 *
 * For the ingestion layer: the column's values stay what SAS stored (labels never replace data);
 * write the result into the Parquet file's key-value metadata (`readSas7bdat` with `catalog`
 * already puts it in `info.metadata['sas.valueLabels']`), and let profiles, dashboards and
 * exports look a value's label up there. Keys of numeric columns are the raw SAS numbers, so
 * a labelled numeric column must not be a date/time column (user formats never are).
 */
export function applyValueLabels(info: DatasetInfo, catalog: SasCatalog): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  for (const column of info.columns) {
    if (!column.format) continue;
    const name = sasFormatName(column.format);
    if (!name) continue;
    const labels = catalog.get(name) ?? catalog.get(name.replace(/^\$/, ''));
    if (!labels) continue;
    const byValue: Record<string, string> = {};
    for (const [value, label] of labels) byValue[String(value)] = label;
    result[column.name] = byValue;
  }
  return result;
}
