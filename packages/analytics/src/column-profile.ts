import { compileFilters, type RowFilter } from './dataset-rows.ts';
import type { DatasetStore, StoredDataset } from './dataset-store.ts';
import { datasetSource, refuseMasked } from './protected-source.ts';
import { columnNamed, ident, jsonCell } from './values.ts';

export interface ProfileStats {
  rows: number;
  missing: number;
  distinct: number;
  min: unknown;
  max: unknown;
  mean: number | null;
}

export interface ColumnProfile extends ProfileStats {
  name: string;
  type: string;
  top: { value: unknown; count: number }[];
  /** Filters applied (0: every row). */
  filters: number;
  split?: { by: string; groups: Array<ProfileStats & { value: unknown }>; totalGroups: number };
}

export interface ProfileRequest {
  topN?: number;
  /** The viewer's filters: the profile describes the rows on screen, not the whole file. */
  filters?: RowFilter[];
  /** Split the statistics by the values of this column (LBTESTCD: one line per lab test). */
  by?: string;
  /** Most groups returned, largest first. */
  maxGroups?: number;
}

const NUMERIC = new Set(['number', 'integer']);

/**
 * What a data manager asks of a column first: how full, how varied, what range, which values;
 * over the rows the viewer's filters keep, and optionally per value of another column (a mean of
 * LBSTRESN over every lab test mixes units: split by LBTESTCD, it means something).
 */
export async function profileColumn(
  store: DatasetStore,
  dataset: StoredDataset,
  name: string,
  request: ProfileRequest = {},
): Promise<ColumnProfile> {
  const { topN = 10, filters = [], by, maxGroups = 50 } = request;
  const column = columnNamed(dataset.columns, name, 'column');
  const split = by === undefined ? undefined : columnNamed(dataset.columns, by, 'by');
  if (split) refuseMasked(split, 'by', 'split a profile');
  const id = ident(column);
  const { where, params } = compileFilters(dataset, filters);
  // Noted for the PHI access log by what the profile is computed from: the column, the split and the filters.
  const reads = [column.name, ...(split ? [split.name] : []), ...filters.map((f) => f.column)];
  const from = `${datasetSource(dataset, { reads })} ${where}`;
  // Blank text counts as missing (SAS has no null for character values, only blanks), and so
  // neither as a distinct value nor as the minimum: filled + missing = rows, always.
  const value = column.type === 'string' ? `nullif(trim(${id}), '')` : id;
  const stats = `count(*), count(*) - count(${value}), count(DISTINCT ${value}), min(${value}), max(${value}), ${
    NUMERIC.has(column.type) ? `avg(${id})` : 'NULL'
  }`;
  const toStats = (row: readonly unknown[], at: number): ProfileStats => {
    const [rows, missing, distinct, min, max, avg] = row.slice(at);
    return {
      rows: Number(rows ?? 0),
      missing: Number(missing ?? 0),
      distinct: Number(distinct ?? 0),
      min: jsonCell(column.type, min),
      max: jsonCell(column.type, max),
      mean: avg === null || avg === undefined ? null : Number(avg),
    };
  };
  return store.withConnection(async (connection) => {
    const overall = (await connection.runAndReadAll(`SELECT ${stats} FROM ${from}`, params)).getRowsJson()[0] ?? [];
    const top = await connection.runAndReadAll(
      `SELECT ${id}, count(*) AS n FROM ${from} GROUP BY ${id} ORDER BY n DESC, ${id} NULLS LAST LIMIT ?`,
      [...params, topN],
    );
    const profile: ColumnProfile = {
      name: column.name,
      type: column.type,
      ...toStats(overall, 0),
      top: top.getRowsJson().map(([v, n]) => ({ value: jsonCell(column.type, v), count: Number(n) })),
      filters: filters.length,
    };
    // A masked PHI column's profile says how full it is, never which values it holds.
    if (column.masked) Object.assign(profile, { min: null, max: null, mean: null, top: [] });
    if (!split) return profile;
    const key = ident(split);
    const groups = await connection.runAndReadAll(
      `SELECT ${key}, ${stats}, count(*) OVER () FROM ${from} GROUP BY ${key}
        ORDER BY count(*) DESC, ${key} NULLS LAST LIMIT ?`,
      [...params, maxGroups],
    );
    const rows = groups.getRowsJson();
    profile.split = {
      by: split.name,
      groups: rows.map((row) => ({ value: jsonCell(split.type, row[0]), ...toStats(row, 1) })),
      totalGroups: Number(rows[0]?.[7] ?? 0),
    };
    return profile;
  });
}
