import { quoteIdent, quoteLiteral } from '@cdp/formats';
import type { StoreColumn, StoredDataset } from './dataset-store.ts';
import { QueryError } from './query-error.ts';

/** What a masked text value reads as (the contract's `PHI_TEXT_MASK`). */
export const MASKED_TEXT = '[PHI]';

/**
 * The SQL that replaces a masked PHI column: a date keeps its year only, as text (BRTHDTC
 * `1951-03-17`, character or SAS date, reads `1951`), other text reads `[PHI]` whatever its length,
 * numbers, flags and times read null. Missing stays missing (a blank identifies nobody). The
 * reader's column type for a masked date is text (`protectVersion` says so).
 */
export function maskedExpression(column: StoreColumn): string {
  const id = quoteIdent(column.name);
  if (NULLED[column.type]) return `CAST(NULL AS ${NULLED[column.type]})`;
  const text = `CAST(${id} AS VARCHAR)`;
  return `CASE WHEN ${id} IS NULL OR trim(${text}) = '' THEN ${text} WHEN regexp_matches(${text}, '^[0-9]{4}(-|$)') THEN left(${text}, 4) ELSE ${quoteLiteral(MASKED_TEXT)} END`;
}

const NULLED: Record<string, string> = { number: 'DOUBLE', integer: 'BIGINT', boolean: 'BOOLEAN', time: 'TIME' };

export function maskedColumns(dataset: StoredDataset): StoreColumn[] {
  return dataset.columns.filter((c) => c.masked);
}

/**
 * What every read of a stored dataset selects from, instead of `read_parquet(file)`: the file with
 * its masked PHI columns replaced (`SELECT * REPLACE (…)`) before any filter, join, group or sort
 * sees them, so no query built on top can reach a clear value. `rowNumbers` adds `file_row_number`.
 */
export function datasetSource(
  dataset: StoredDataset,
  options: {
    rowNumbers?: boolean;
    /**
     * The columns the caller's answer is computed from, when it knows them (a profile, a widget's
     * query): the read is noted for the PHI access log only if one of them is PHI read in clear. A
     * query that names its columns one by one (`columnOf`) passes `[]` and notes each as it names it.
     */
    reads?: string[];
  } = {},
): string {
  // A base table holds rows already read through this function (masked as the reader sees them).
  if (dataset.table !== undefined) return quoteIdent(dataset.table);
  if (options.reads === undefined) dataset.onRead?.();
  else if (options.reads.length > 0) dataset.onRead?.(options.reads);
  const args = [quoteLiteral(dataset.file)];
  if (options.rowNumbers) args.push('file_row_number = true');
  if (dataset.encryptionKey) args.push(`encryption_config = {footer_key: ${quoteLiteral(dataset.encryptionKey)}}`);
  const masked = maskedColumns(dataset);
  const file = openSealed(dataset, `read_parquet(${args.join(', ')})`, masked);
  if (masked.length === 0) return file;
  const replace = masked.map((c) => `${maskedExpression(c)} AS ${quoteIdent(c.name)}`).join(', ');
  return `(SELECT * REPLACE (${replace}) FROM ${file})`;
}

/**
 * A file whose PHI columns are sealed at rest holds masked values; for a reader who may see a sealed
 * column, its clear values come from the sidecar, joined row for row (POSITIONAL JOIN: both files
 * are written in the same order) and opened by `cdp_phi_open`, cast back to the column's type.
 */
function openSealed(dataset: StoredDataset, file: string, masked: StoreColumn[]): string {
  const hidden = new Set(masked.map((c) => c.name.toUpperCase()));
  const open = (dataset.sealed?.columns ?? []).filter((c) => !hidden.has(c.name.toUpperCase()));
  if (!dataset.sealed || open.length === 0) return file;
  const replace = open
    .map((c) => `CAST(cdp_phi_open(cdp_s.${quoteIdent(c.name)}) AS ${c.sqlType}) AS ${quoteIdent(c.name)}`)
    .join(', ');
  const sidecar = `(SELECT ${open.map((c) => quoteIdent(c.name)).join(', ')} FROM read_parquet(${quoteLiteral(dataset.sealed.sidecar)}))`;
  return `(SELECT cdp_m.* REPLACE (${replace}) FROM ${file} AS cdp_m POSITIONAL JOIN ${sidecar} AS cdp_s)`;
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
