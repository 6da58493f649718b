/**
 * XLSX reader: one dataset per worksheet, with exceljs's streaming WorkbookReader.
 *
 * Decisions:
 * - The sheet's first non-empty row is the header; the rows under it are data. Rows with no
 *   value (or only blanks) are skipped wherever they are: Excel keeps formatted empty rows, and
 *   they are not records. A sheet with no value at all yields no dataset (a workbook of only
 *   empty sheets yields none); a sheet with only a header yields an empty dataset with those
 *   columns. A ZIP without worksheets is rejected as not a workbook.
 * - Header cells become column names as written (trimmed). A column whose header cell is empty
 *   (or values right of the header) is named by its own spreadsheet column letter (`C`, `AB`), the
 *   name a person sees in Excel: nothing is invented, and no value is dropped. A repeated name gets
 *   `_2`, `_3`... (compared without case, as DuckDB does).
 * - `<dimension>` is never read: rows are counted as they come (some real files declare `A1`).
 * - Types come from all of a column's cells: only numbers → number; only dates → date, or
 *   datetime when one has a time of day, or time when all are times without a date (Excel's
 *   day 0); only booleans → boolean; anything else → string, with numbers written without float
 *   noise (15 significant digits, as Excel shows them), dates as ISO 8601 and booleans as
 *   TRUE/FALSE. Numbers stored as text stay text.
 * - Formulas give their cached result (nothing is recalculated; a formula never calculated is
 *   empty); error values (#N/A) are empty. Rich text is its plain text; shared and inline strings
 *   are read alike; a hyperlink cell keeps its text. Merged cells hold their value in the top-left
 *   cell only, as the file stores them.
 * - Two streaming passes: pass 1 finds each sheet's header and types; pass 2 reads the rows, one
 *   sheet after the other, on one shared pass over the file (datasets are consumed in order).
 *   Only exceljs's shared-string table is held in memory.
 * - Hidden sheets are read too, marked in `metadata["xlsx.hidden"]`.
 */
import { basename } from 'node:path';
import { BatchBuilder } from '../batch-builder.ts';
import { FormatError } from '../errors.ts';
import {
  type DatasetInfo,
  type DatasetReader,
  DEFAULT_BATCH_SIZE,
  type ReadOptions,
  type RowBatch,
  type ValueType,
} from '../types.ts';
import { type Cell, type Sheet, WorkbookCursor } from './workbook-cursor.ts';

interface SheetPlan {
  index: number;
  headerRow: number;
  info: DatasetInfo;
  types: ValueType[];
}

const MS_PER_DAY = 86_400_000;

export async function* readXlsx(path: string, options: ReadOptions = {}): AsyncGenerator<DatasetReader> {
  const file = options.fileName ?? basename(path);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const plans = await planSheets(path, file);
  const cursor = await WorkbookCursor.open(path, file);
  try {
    for (const plan of plans) {
      let consumed = false;
      yield {
        info: plan.info,
        batches: () => {
          if (consumed) throw new Error('batches() can only be consumed once');
          consumed = true;
          return sheetBatches(cursor, plan, batchSize);
        },
      };
    }
  } finally {
    cursor.close();
  }
}

/** Pass 1: header and column types of every sheet that has values. */
async function planSheets(path: string, file: string): Promise<SheetPlan[]> {
  const cursor = await WorkbookCursor.open(path, file);
  const plans: SheetPlan[] = [];
  let sheets = 0;
  try {
    for (let sheet = await cursor.next(); sheet; sheet = await cursor.next()) {
      sheets++;
      const plan = await planSheet(sheet);
      if (plan) plans.push(plan);
    }
  } finally {
    cursor.close();
  }
  if (sheets === 0) {
    throw new FormatError('not an XLSX workbook: the archive holds no worksheets (xl/worksheets/sheetN.xml)', { file });
  }
  return plans;
}

/** What the cells of one column have been so far. */
class ColumnKinds {
  number = false;
  string = false;
  boolean = false;
  date = false;
  /** A date with a time of day. */
  clock = false;
  /** A date that is not Excel's day 0, i.e. not a bare time. */
  calendar = false;

  constructor(private readonly dayZero: number) {}

  add(cell: Cell): void {
    this[cell.kind] = true;
    if (cell.kind !== 'date') return;
    if (cell.value % MS_PER_DAY !== 0) this.clock = true;
    if (cell.value < this.dayZero || cell.value >= this.dayZero + MS_PER_DAY) this.calendar = true;
  }

  type(): ValueType {
    const kinds = [this.number, this.string, this.boolean, this.date].filter(Boolean).length;
    if (kinds !== 1 || this.string) return 'string';
    if (this.number) return 'number';
    if (this.boolean) return 'boolean';
    if (!this.calendar) return 'time';
    return this.clock ? 'datetime' : 'date';
  }
}

async function planSheet(sheet: Sheet): Promise<SheetPlan | undefined> {
  let header: (Cell | undefined)[] | undefined;
  let headerRow = 0;
  const columns: ColumnKinds[] = [];
  for await (const row of sheet.rows()) {
    if (isEmpty(row.cells)) continue;
    if (!header) {
      header = row.cells;
      headerRow = row.number;
      continue;
    }
    row.cells.forEach((cell, c) => {
      if (cell === undefined || isBlank(cell)) return;
      columns[c] ??= new ColumnKinds(sheet.dayZero);
      columns[c].add(cell);
    });
  }
  if (!header) return undefined;
  const width = Math.max(header.length, columns.length);
  const names = columnNames(header, width, sheet.dayZero);
  const types = Array.from({ length: width }, (_, c) => columns[c]?.type() ?? 'string');
  const metadata: Record<string, string> = { 'xlsx.headerRow': String(headerRow) };
  if (sheet.hidden) metadata['xlsx.hidden'] = 'true';
  return {
    index: sheet.index,
    headerRow,
    info: { name: sheet.name, columns: names.map((name, c) => ({ name, type: types[c] ?? 'string' })), metadata },
    types,
  };
}

function columnNames(header: (Cell | undefined)[], width: number, dayZero: number): string[] {
  const used = new Set<string>();
  const names: string[] = [];
  for (let c = 0; c < width; c++) {
    const cell = header[c];
    const base = (cell ? cellText(cell, dayZero).trim() : '') || columnLetter(c);
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    used.add(name.toLowerCase());
    names.push(name);
  }
  return names;
}

/** The spreadsheet's name for the 0-based column `c`: A … Z, AA … ZZ, AAA … */
export function columnLetter(c: number): string {
  let name = '';
  for (let n = c + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/** Pass 2: the sheet's rows, read on the shared cursor (which skips the sheets before it). */
async function* sheetBatches(cursor: WorkbookCursor, plan: SheetPlan, batchSize: number): AsyncGenerator<RowBatch> {
  let sheet = await cursor.next();
  while (sheet && sheet.index < plan.index) sheet = await cursor.next();
  if (!sheet || sheet.index !== plan.index) throw new Error(`sheet ${plan.info.name} is no longer in the workbook`);
  const { types } = plan;
  const builder = new BatchBuilder(types, batchSize);
  for await (const row of sheet.rows()) {
    if (row.number <= plan.headerRow || isEmpty(row.cells)) continue;
    for (let c = 0; c < types.length; c++) {
      const cell = row.cells[c];
      if (cell === undefined || isBlank(cell)) continue;
      const type = types[c] as ValueType;
      if (type === 'string') builder.setString(c, cellText(cell, sheet.dayZero));
      else builder.setNumber(c, cellNumber(cell, type, sheet.dayZero));
    }
    builder.endRow();
    if (builder.full) yield builder.take();
  }
  if (builder.length > 0) yield builder.take();
}

function isBlank(cell: Cell): boolean {
  return cell.kind === 'string' && cell.value.trim() === '';
}

function isEmpty(cells: (Cell | undefined)[]): boolean {
  return cells.every((cell) => cell === undefined || isBlank(cell));
}

/** A cell of a typed column in `ColumnValues` units; pass 1 made sure the kinds match. */
function cellNumber(cell: Cell, type: ValueType, dayZero: number): number {
  if (cell.kind === 'number') return cell.value;
  if (cell.kind === 'boolean') return cell.value ? 1 : 0;
  if (cell.kind !== 'date') return Number.NaN;
  if (type === 'date') return Math.floor(cell.value / MS_PER_DAY);
  if (type === 'time') return (cell.value - dayZero) / 1000;
  return cell.value;
}

/** A cell as text: what a string column holds and what a header cell names. */
function cellText(cell: Cell, dayZero: number): string {
  switch (cell.kind) {
    case 'string':
      return cell.value;
    case 'boolean':
      return cell.value ? 'TRUE' : 'FALSE';
    case 'number':
      // Excel shows 15 significant digits; more is binary noise (0.1 + 0.2 = 0.30000000000000004).
      return String(Number(cell.value.toPrecision(15)));
    case 'date': {
      const iso = new Date(cell.value).toISOString();
      const time = iso.endsWith('.000Z') ? iso.slice(11, 19) : iso.slice(11, 23);
      if (cell.value >= dayZero && cell.value < dayZero + MS_PER_DAY) return time;
      return cell.value % MS_PER_DAY === 0 ? iso.slice(0, 10) : `${iso.slice(0, 10)}T${time}`;
    }
  }
}
