import type { WidgetColumn } from '@cdp/contracts';
import type { DrillPoint } from '../api/dashboards-api.ts';
import { rowPoint } from './chart-point.ts';
import { isNumericColumn } from './widget-cells.ts';

/** A column as the table shows it; `index` is its position in the widget's rows. */
export interface ShownColumn {
  column: WidgetColumn;
  index: number;
  /** The part of a grouped label under its group ("n" of "Placebo (N=86): n"). */
  label: string;
  /** Percentages of summary tables read with one decimal (14.0), as in a CSR. */
  percent: boolean;
}

export interface HeaderGroup {
  label: string;
  span: number;
}

export interface ShownRow {
  /** Position in the widget's rows; -1 for a group heading. */
  source: number;
  /** 0 at the top of a hierarchy; each level is indented. */
  level: number;
  /** `heading`: a group's title row (Demographics' "Age (years)"); `total`: a row for everything ("Any adverse event"). */
  kind: 'row' | 'heading' | 'total' | 'parent';
  /** A heading's text. */
  heading?: string;
  point: DrillPoint;
}

export interface TableModel {
  columns: ShownColumn[];
  /** A header row above the column labels when labels share a "Group: part" prefix; null otherwise. */
  groups: HeaderGroup[] | null;
  rows: ShownRow[];
  /** Rows nest (summary tables): the first column is indented and parents are emphasised. */
  nested: boolean;
}

/** Columns that carry a row's depth explicitly: used to indent, not shown. */
const LEVEL_COLUMNS = new Set(['level', 'indent', 'depth', 'row_level']);

function isText(column: WidgetColumn | undefined): boolean {
  return column?.type === 'string' && !column.field;
}

/** Whether the first column repeats in runs (Demographics: a characteristic, then one row per statistic). */
function groupsFirstColumn(columns: readonly WidgetColumn[], rows: readonly unknown[][]): boolean {
  if (!isText(columns[0]) || !isText(columns[1]) || rows.length < 2) return false;
  return rows.some((row, i) => i > 0 && row[0] !== null && row[0] === rows[i - 1]?.[0]);
}

function splitLabel(label: string): [string, string] | null {
  const at = label.lastIndexOf(': ');
  return at > 0 ? [label.slice(0, at), label.slice(at + 2)] : null;
}

/**
 * How a widget's rows read as a table. Plain tables show every column. Clinical summary tables
 * get their CSR layout from the shape of the rows, not from the widget type:
 * - a first column named `label` with dimension columns beside it (AE incidence: SOC, then its
 *   preferred terms) hides the dimensions and indents each row by how many of them it has;
 * - a first column that repeats in runs (Demographics' characteristic) becomes a heading row per
 *   run with its statistics indented beneath;
 * - column labels "Placebo (N=86): n" and "Placebo (N=86): %" get one "Placebo (N=86)" header above "n" and "%".
 */
export function tableModel(columns: readonly WidgetColumn[], rows: readonly unknown[][]): TableModel {
  const points = rows.map((row) => rowPoint(columns, row));
  const levelIndex = columns.findIndex((c) => LEVEL_COLUMNS.has(c.name.toLowerCase()) && isNumericColumn(c));
  const labelled = columns[0]?.name === 'label' && isText(columns[0]) && columns.some((c) => c.field);
  const grouped = !labelled && levelIndex < 0 && groupsFirstColumn(columns, rows);

  const hidden = new Set<number>();
  if (levelIndex >= 0) hidden.add(levelIndex);
  if (labelled) for (const [i, c] of columns.entries()) if (c.field) hidden.add(i);
  if (grouped) hidden.add(0);

  const shown: ShownColumn[] = columns.flatMap((column, index) => {
    if (hidden.has(index)) return [];
    const label = grouped && index === 1 ? (columns[0]?.label ?? column.label) : column.label;
    return [{ column, index, label, percent: column.type === 'number' && /(_pct|_percent)$/.test(column.name) }];
  });

  // Header groups: consecutive columns sharing the part before ": ".
  let groups: HeaderGroup[] | null = null;
  const parts = shown.map((c) => splitLabel(c.label));
  if (parts.filter(Boolean).length >= 2) {
    groups = [];
    shown.forEach((c, i) => {
      const part = parts[i];
      const last = groups?.at(-1);
      if (part) c.label = part[1];
      if (part && last && last.label === part[0] && parts[i - 1]?.[0] === part[0]) last.span += 1;
      else groups?.push({ label: part ? part[0] : '', span: 1 });
    });
  }

  const out: ShownRow[] = [];
  rows.forEach((row, source) => {
    const point = points[source] ?? {};
    if (levelIndex >= 0) {
      const level = Math.max(0, Math.min(6, Number(row[levelIndex]) || 0));
      out.push({ source, level, kind: level === 0 ? 'parent' : 'row', point });
    } else if (labelled) {
      // A missing dimension on a summary line means "all of them" (a body system's line stands for
      // every term in it), not "the value is missing": it is left out of the line's point, so a
      // drill-down or cross-filter from it keeps every term.
      const given = Object.fromEntries(Object.entries(point).filter(([, v]) => v !== null));
      const dims = Object.keys(given).length;
      out.push({
        source,
        level: Math.max(0, dims - 1),
        kind: dims === 0 ? 'total' : dims === 1 ? 'parent' : 'row',
        point: given,
      });
    } else if (grouped) {
      if (source === 0 || row[0] !== rows[source - 1]?.[0]) {
        out.push({ source: -1, level: 0, kind: 'heading', heading: row[0] === null ? '' : String(row[0]), point: {} });
      }
      out.push({ source, level: 1, kind: 'row', point });
    } else {
      out.push({ source, level: 0, kind: 'row', point });
    }
  });
  return { columns: shown, groups, rows: out, nested: labelled || grouped || levelIndex >= 0 };
}
