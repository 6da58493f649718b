import { quoteIdent, quoteLiteral } from '@cdp/formats';
import type { StoreColumn, StoredDataset } from './dataset-store.ts';
import { QueryError } from './query-error.ts';

/** What a masked text value reads as (the contract's `PHI_TEXT_MASK`). */
export const MASKED_TEXT = '[PHI]';

/**
 * The SQL that replaces a masked PHI column: dates keep their year only (a character ISO date such as
 * BRTHDTC `1951-03-12` reads `1951`; a SAS date reads 1 January of its year), text reads `[PHI]`,
 * anything else reads null. Missing stays missing (blank is no identifier).
 */
export function maskedExpression(column: StoreColumn): string {
  const id = quoteIdent(column.name);
  switch (column.type) {
    case 'string':
      return `CASE WHEN ${id} IS NULL OR trim(${id}) = '' THEN ${id} WHEN regexp_matches(${id}, '^[0-9]{4}(-|$)') THEN left(${id}, 4) ELSE ${quoteLiteral(MASKED_TEXT)} END`;
    case 'date':
      return `CAST(date_trunc('year', ${id}) AS DATE)`;
    case 'datetime':
      return `date_trunc('year', ${id})`;
    default:
      return `CAST(NULL AS ${column.type === 'boolean' ? 'BOOLEAN' : column.type === 'time' ? 'TIME' : 'DOUBLE'})`;
  }
}

export function maskedColumns(dataset: StoredDataset): StoreColumn[] {
  return dataset.columns.filter((c) => c.masked);
}

/**
 * What every read of a stored dataset selects from, instead of `read_parquet(file)`: the file with
 * its masked PHI columns replaced (`SELECT * REPLACE (…)`) before any filter, join, group or sort
 * sees them, so no query built on top can reach a clear value. `rowNumbers` adds `file_row_number`.
 */
export function datasetSource(dataset: StoredDataset, options: { rowNumbers?: boolean } = {}): string {
  dataset.onRead?.();
  const args = [quoteLiteral(dataset.file)];
  if (options.rowNumbers) args.push('file_row_number = true');
  if (dataset.encryptionKey) args.push(`encryption_config = {footer_key: ${quoteLiteral(dataset.encryptionKey)}}`);
  const file = `read_parquet(${args.join(', ')})`;
  const masked = maskedColumns(dataset);
  if (masked.length === 0) return file;
  const replace = masked.map((c) => `${maskedExpression(c)} AS ${quoteIdent(c.name)}`).join(', ');
  return `(SELECT * REPLACE (${replace}) FROM ${file})`;
}

/**
 * Filtering or sorting on a masked column is refused rather than run on masked values: the caller
 * learns that the column is PHI, never anything about its values.
 */
export function refuseMasked(column: StoreColumn, param: string, use: string): void {
  if (!column.masked) return;
  throw new QueryError(
    `${param}: column ${column.name} holds protected health information and cannot be used to ${use} without the permission data:view_phi:assigned`,
    param,
  );
}

/** What distinguishes one actor's view of a dataset from another's: the masked columns, for cache keys. */
export function maskKey(dataset: StoredDataset): string {
  return maskedColumns(dataset)
    .map((c) => c.name.toUpperCase())
    .sort()
    .join(',');
}
