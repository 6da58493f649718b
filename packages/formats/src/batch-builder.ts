import type { ColumnValues, RowBatch, ValueType } from './types.ts';

/**
 * Collects rows into one column-major `RowBatch` at a time. Numeric columns start as all-`NaN`
 * and string columns as all-`null`, so a reader only sets the cells it has and missing stays
 * missing without extra work.
 */
export class BatchBuilder {
  private columns: ColumnValues[];
  private rows = 0;

  constructor(
    private readonly types: readonly ValueType[],
    private readonly capacity: number,
  ) {
    this.columns = this.allocate();
  }

  get length(): number {
    return this.rows;
  }

  get full(): boolean {
    return this.rows >= this.capacity;
  }

  setString(column: number, value: string | null): void {
    (this.columns[column] as (string | null)[])[this.rows] = value;
  }

  /** `NaN` means missing. */
  setNumber(column: number, value: number): void {
    (this.columns[column] as Float64Array)[this.rows] = value;
  }

  endRow(): void {
    this.rows++;
  }

  /** The rows collected so far as a batch; the builder starts empty again. */
  take(): RowBatch {
    const length = this.rows;
    const columns =
      length === this.capacity
        ? this.columns
        : this.columns.map((values) =>
            values instanceof Float64Array ? values.slice(0, length) : (values as (string | null)[]).slice(0, length),
          );
    this.columns = this.allocate();
    this.rows = 0;
    return { length, columns };
  }

  private allocate(): ColumnValues[] {
    return this.types.map((type) =>
      type === 'string'
        ? new Array<string | null>(this.capacity).fill(null)
        : new Float64Array(this.capacity).fill(Number.NaN),
    );
  }
}
