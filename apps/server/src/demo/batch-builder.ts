import type { ColumnInfo, RowBatch } from '@cdp/formats';

/**
 * The readers' DEFAULT_BATCH_SIZE. Repeated rather than imported so the generator only needs
 * the formats package's types, not its runtime (which loads DuckDB).
 */
const DEMO_BATCH_SIZE = 8192;

/**
 * Typed SDTM column definitions and a builder that turns rows into column-major batches. Each
 * domain declares its columns once (`char`, `int`, `num`) and gets a row type from them, so a
 * misspelt or forgotten variable is a compile error rather than an empty column in the XPT.
 */

export interface CharColumn<N extends string = string> {
  readonly name: N;
  readonly label: string;
  readonly type: 'string';
  /** SAS length in bytes; values are ASCII, so characters. */
  readonly length: number;
}

export interface NumColumn<N extends string = string> {
  readonly name: N;
  readonly label: string;
  readonly type: 'integer' | 'number';
  readonly length: 8;
}

export type SdtmColumn = CharColumn | NumColumn;

export type RowOf<C extends readonly SdtmColumn[]> = {
  [S in C[number] as S['name']]: S extends CharColumn ? string | null : number | null;
};

const MAX_NAME = 8;
const MAX_LABEL = 40;
const MAX_CHAR_LENGTH = 200;

export function char<N extends string>(name: N, label: string, length: number): CharColumn<N> {
  checkColumn(name, label);
  if (!Number.isInteger(length) || length < 1 || length > MAX_CHAR_LENGTH) {
    throw new RangeError(`${name}: a character length must be 1..${MAX_CHAR_LENGTH}, got ${length}`);
  }
  return { name, label, type: 'string', length };
}

export function int<N extends string>(name: N, label: string): NumColumn<N> {
  checkColumn(name, label);
  return { name, label, type: 'integer', length: 8 };
}

export function num<N extends string>(name: N, label: string): NumColumn<N> {
  checkColumn(name, label);
  return { name, label, type: 'number', length: 8 };
}

/** Declared length for a character variable: its longest possible value (the FDA asks for no padding). */
export function longest(values: Iterable<string>): number {
  let length = 1;
  for (const value of values) length = Math.max(length, value.length);
  return length;
}

export function toColumnInfo(columns: readonly SdtmColumn[]): ColumnInfo[] {
  return columns.map((column) => ({
    name: column.name,
    label: column.label,
    type: column.type,
    length: column.length,
  }));
}

function checkColumn(name: string, label: string): void {
  if (!/^[A-Z][A-Z0-9]*$/.test(name) || name.length > MAX_NAME) {
    throw new RangeError(`${name}: an XPT v5 variable name is 1..${MAX_NAME} uppercase letters and digits`);
  }
  if (label.length > MAX_LABEL) throw new RangeError(`${name}: label "${label}" is longer than ${MAX_LABEL}`);
}

export class BatchBuilder<C extends readonly SdtmColumn[]> {
  private strings: (string | null)[][] = [];
  private numbers: Float64Array[] = [];
  private size = 0;

  constructor(
    private readonly columns: C,
    private readonly batchSize = DEMO_BATCH_SIZE,
  ) {
    this.reset();
  }

  /** Adds a row; returns a full batch when this row completed one. */
  add(row: RowOf<C>): RowBatch | undefined {
    const values = row as Record<string, string | number | null>;
    const at = this.size;
    for (let i = 0; i < this.columns.length; i++) {
      const column = this.columns[i] as SdtmColumn;
      const value = values[column.name] ?? null;
      if (column.type !== 'string') {
        if (typeof value === 'string') throw new TypeError(`${column.name}: expected a number, got "${value}"`);
        (this.numbers[i] as Float64Array)[at] = value ?? Number.NaN;
        continue;
      }
      if (typeof value === 'number') throw new TypeError(`${column.name}: expected text, got ${value}`);
      // A value longer than its declared length would be silently cut by an XPT writer.
      if (value !== null && value.length > column.length) {
        throw new RangeError(`${column.name}: "${value}" is longer than its length ${column.length}`);
      }
      (this.strings[i] as (string | null)[]).push(value);
    }
    this.size++;
    return this.size === this.batchSize ? this.flush() : undefined;
  }

  /** The rows added since the last batch, if any. */
  flush(): RowBatch | undefined {
    if (this.size === 0) return undefined;
    const length = this.size;
    const columns = this.columns.map((column, i) => {
      if (column.type === 'string') return this.strings[i] as (string | null)[];
      const values = this.numbers[i] as Float64Array;
      return length === this.batchSize ? values : values.slice(0, length);
    });
    this.reset();
    return { length, columns };
  }

  private reset(): void {
    this.size = 0;
    this.strings = this.columns.map(() => []);
    this.numbers = this.columns.map((column) =>
      column.type === 'string' ? new Float64Array(0) : new Float64Array(this.batchSize),
    );
  }
}
