import { createReadStream, type ReadStream } from 'node:fs';
import type { CellValue, default as ExcelJS, Row } from 'exceljs';
import { FormatError } from '../errors.ts';

/**
 * A pass over a workbook with exceljs's streaming reader, one worksheet at a time, in the order
 * the sheets are stored. Cell values are normalised here so the two passes of the reader agree on
 * what each cell is.
 */

/** A cell as the reader sees it. Dates are milliseconds since 1970-01-01 of Excel's wall clock. */
export type Cell =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'date'; value: number };

export interface SheetRow {
  /** The row number in Excel (1-based), not trusted for anything but messages. */
  number: number;
  /** Cells by 0-based column; `undefined` for empty ones. */
  cells: (Cell | undefined)[];
}

export interface Sheet {
  /** Position among the sheets of this pass (0-based). */
  index: number;
  name: string;
  hidden: boolean;
  /** Excel's day 0 as a date cell's value: where values that are only a time of day fall. */
  dayZero: number;
  rows(): AsyncGenerator<SheetRow>;
}

/** exceljs types its stream reader loosely; these are the fields it sets that the reader uses. */
interface WorksheetReaderFields {
  name?: string;
  state?: string;
  [Symbol.asyncIterator](): AsyncGenerator<Row>;
}
interface WorkbookReaderFields {
  properties?: { model?: { date1904?: boolean } };
  [Symbol.asyncIterator](): AsyncGenerator<WorksheetReaderFields>;
}

export class WorkbookCursor {
  private readonly stream: ReadStream;
  private readonly workbook: WorkbookReaderFields;
  private readonly sheets: AsyncGenerator<WorksheetReaderFields>;
  private count = 0;

  /**
   * exceljs is loaded on the first workbook, not with this module: every conversion thread loads
   * the readers, and a module held is heap the thread's garbage collector marks again at each full
   * collection (issue 17: exceljs was 7 of a member thread's 25 MB, for uploads that hold no Excel).
   */
  static async open(path: string, file: string): Promise<WorkbookCursor> {
    const { default: excel } = await import('exceljs');
    return new WorkbookCursor(path, file, excel);
  }

  private constructor(
    path: string,
    private readonly file: string,
    excel: typeof ExcelJS,
  ) {
    this.stream = createReadStream(path);
    this.workbook = new excel.stream.xlsx.WorkbookReader(this.stream, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      // Dates are numbers with a date format: without styles they could not be told apart.
      styles: 'cache',
      // Hyperlinks come after the cells in a sheet, too late for a stream; the cell text is kept.
      hyperlinks: 'ignore',
      entries: 'ignore',
    }) as unknown as WorkbookReaderFields;
    this.sheets = this.workbook[Symbol.asyncIterator]();
  }

  /** The next worksheet, or `undefined` after the last. Unread rows of the previous one are skipped. */
  async next(): Promise<Sheet | undefined> {
    const step = await this.guard(() => this.sheets.next());
    if (step.done) return undefined;
    const reader = step.value;
    const index = this.count++;
    return {
      index,
      name: reader.name ?? `Sheet${index + 1}`,
      hidden: reader.state === 'hidden' || reader.state === 'veryHidden',
      dayZero: this.excelDate(0).getTime(),
      rows: () => this.rows(reader),
    };
  }

  close(): void {
    this.stream.destroy();
  }

  private async *rows(reader: WorksheetReaderFields): AsyncGenerator<SheetRow> {
    const rows = reader[Symbol.asyncIterator]();
    for (;;) {
      const step = await this.guard(() => rows.next());
      if (step.done) return;
      const row = step.value;
      const cells: (Cell | undefined)[] = [];
      row.eachCell({ includeEmpty: false }, (cell, column) => {
        cells[column - 1] = this.normalise(cell.value, cell.numFmt);
      });
      yield { number: row.number, cells };
    }
  }

  private normalise(value: CellValue, numFmt: string | undefined): Cell | undefined {
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'number') return Number.isFinite(value) ? { kind: 'number', value } : undefined;
    if (typeof value === 'string') return value === '' ? undefined : { kind: 'string', value };
    if (typeof value === 'boolean') return { kind: 'boolean', value };
    if (value instanceof Date)
      return Number.isNaN(value.getTime()) ? undefined : { kind: 'date', value: value.getTime() };
    if ('richText' in value) return this.normalise(value.richText.map((run) => run.text).join(''), undefined);
    if ('error' in value) return undefined;
    if ('formula' in value || 'sharedFormula' in value) {
      // The cached result; exceljs leaves a date-formatted result as a serial number.
      const result = value.result;
      if (typeof result === 'number' && isDateFormat(numFmt)) return this.normalise(this.excelDate(result), undefined);
      return typeof result === 'object' && result !== null && 'error' in result
        ? undefined
        : this.normalise(result ?? null, numFmt);
    }
    if ('hyperlink' in value) return this.normalise(value.text, numFmt);
    return undefined;
  }

  private excelDate(serial: number): Date {
    const date1904 = this.workbook.properties?.model?.date1904 === true;
    return new Date(Math.round((serial - 25_569 + (date1904 ? 1462 : 0)) * 86_400_000));
  }

  /** exceljs, unzipper and sax errors are about the file; they become a `FormatError`. */
  private async guard<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (error instanceof FormatError) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw new FormatError(`not a readable XLSX workbook (${detail}); damaged, truncated or not Excel 2007+?`, {
        file: this.file,
      });
    }
  }
}

/** As Excel and exceljs decide it: date/time letters outside quoted text and [...] sections. */
function isDateFormat(format: string | undefined): boolean {
  if (!format) return false;
  const bare = format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '');
  return /[ymdhs]/i.test(bare);
}
