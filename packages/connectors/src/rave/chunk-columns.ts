import { type ColumnValues, TextCells } from '@cdp/formats';
import type { DuckDBDataChunk } from '@duckdb/node-api';
// The one accessor that reads a string's bytes where DuckDB keeps them (no decoding); the package
// has no `exports` map, so its compiled modules are reachable as they are.
import { getStringBytes } from '@duckdb/node-api/lib/vectors/dataAccessors.js';

/**
 * A query giving the rows of `query` (whose columns are the dataset's, numbers as DOUBLE) in the
 * shape `ChunkColumns` reads in bulk: each numeric column as it is, each text column as its length
 * in bytes (null when null), and last all text values of the row one after the other, as one
 * string. A row's text then costs one read out of DuckDB, not one per value: reading a string of
 * more than 12 bytes is a call into DuckDB's bindings, and strings are what a form holds most.
 */
export function bulkQuery(query: string, numeric: boolean[]): string {
  const names = numeric.map((_, i) => `c${i}`);
  const text = names.filter((_, i) => !numeric[i]);
  const columns = names.map((name, i) => (numeric[i] ? name : `CAST(strlen(${name}) AS INTEGER)`));
  return `SELECT ${columns.join(', ')}, concat(${text.join(', ')}) FROM (${query}) q(${names.join(', ')})`;
}

/**
 * The rows of a row group, gathered column by column straight from the vectors of `bulkQuery`'s
 * result: DOUBLE columns as their doubles (NaN for null), text columns as UTF-8 bytes (`TextCells`)
 * cut out of each row's text, so no JavaScript string is made of a value and the Parquet writer
 * does not encode one back to UTF-8.
 *
 * `TextCells` has no empty string (an empty cell is null); a column in which an empty string
 * occurs is handed over as strings instead, with those cells `''`, so the file says what the
 * state says.
 */
export class ChunkColumns {
  private readonly width: number;
  private readonly numbers: (Float64Array | null)[];
  private readonly bytes: (Uint8Array | null)[];
  private readonly offsets: (Int32Array | null)[];
  private readonly at: number[];
  private readonly empties: number[][];
  private capacity = 4_096;
  length = 0;

  // The loaded chunk: each row's text in `rowBytes` from `rowStart[r]`; the vectors' data.
  private chunk: DuckDBDataChunk | null = null;
  private rowBytes = new Uint8Array(1 << 16);
  private rowStart = new Int32Array(2_049);
  private lengths: (Int32Array | null)[] = [];
  private valid: (Uint8Array | null)[] = [];

  constructor(private readonly numeric: boolean[]) {
    this.width = numeric.length;
    this.numbers = numeric.map((n) => (n ? new Float64Array(this.capacity) : null));
    this.bytes = numeric.map((n) => (n ? null : new Uint8Array(this.capacity * 16)));
    this.offsets = numeric.map((n) => (n ? null : new Int32Array(this.capacity + 1)));
    this.at = numeric.map(() => 0);
    this.empties = numeric.map(() => []);
  }

  /** Reads a chunk of `bulkQuery`'s result: its rows are then `key`, `name` and `add`'s. */
  load(chunk: DuckDBDataChunk): void {
    this.chunk = chunk;
    const rows = chunk.rowCount;
    this.lengths = [];
    this.valid = [];
    for (let c = 0; c < this.width; c++) {
      const vector = chunk.getColumnVector(c) as unknown as VectorInternals;
      this.valid.push(validityBytes(vector));
      this.lengths.push(this.numeric[c] ? null : (vector.items as Int32Array));
    }
    const text = chunk.getColumnVector(this.width) as unknown as VectorInternals;
    const view = text.dataView as DataView;
    const slots = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    if (this.rowStart.length < rows + 1) this.rowStart = new Int32Array(rows + 1);
    const rowStart = this.rowStart;
    let bytes = this.rowBytes;
    let at = 0;
    for (let r = 0; r < rows; r++) {
      const slot = r * 16;
      const size = view.getUint32(slot, true);
      if (at + size > bytes.length) {
        const grown = new Uint8Array(Math.max(at + size, bytes.length * 2));
        grown.set(bytes.subarray(0, at));
        bytes = grown;
      }
      if (size <= 12) {
        for (let k = slot + 4, end = slot + 4 + size; k < end; k++) bytes[at++] = slots[k] as number;
      } else {
        bytes.set(getStringBytes(view, slot), at);
        at += size;
      }
      rowStart[r + 1] = at;
    }
    this.rowBytes = bytes;
  }

  /** Text column `c` (the first two are SubjectKey and SubjectName) of loaded row `r`. */
  text(c: number, r: number): string | null {
    const valid = this.valid[c];
    if (valid && ((valid[r >> 3] as number) & (1 << (r & 7))) === 0) return null;
    let start = this.rowStart[r] as number;
    for (let k = 0; k < c; k++) if (!this.numeric[k]) start += this.size(k, r);
    return Buffer.from(this.rowBytes.buffer, this.rowBytes.byteOffset).toString('utf8', start, start + this.size(c, r));
  }

  private size(c: number, r: number): number {
    const valid = this.valid[c];
    return valid && ((valid[r >> 3] as number) & (1 << (r & 7))) === 0
      ? 0
      : ((this.lengths[c] as Int32Array)[r] as number);
  }

  /** Appends loaded rows `[from, to)`. */
  add(from: number, to: number): void {
    const count = to - from;
    if (count <= 0 || !this.chunk) return;
    this.reserve(this.length + count);
    const { width, numeric, valid, lengths, rowStart, rowBytes } = this;
    for (let c = 0; c < width; c++) {
      if (!numeric[c]) continue;
      const items = (this.chunk.getColumnVector(c) as unknown as VectorInternals).items as Float64Array;
      const out = this.numbers[c] as Float64Array;
      const v = valid[c];
      let o = this.length;
      for (let r = from; r < to; r++, o++) {
        out[o] = v && ((v[r >> 3] as number) & (1 << (r & 7))) === 0 ? Number.NaN : (items[r] as number);
      }
    }
    // Text: each row's text is cut into its columns in order.
    const needed = (rowStart[to] as number) - (rowStart[from] as number);
    for (let c = 0; c < width; c++) {
      if (numeric[c]) continue;
      const bytes = this.bytes[c] as Uint8Array;
      if ((this.at[c] as number) + needed > bytes.length) {
        const grown = new Uint8Array(Math.max((this.at[c] as number) + needed, bytes.length * 2));
        grown.set(bytes.subarray(0, this.at[c]));
        this.bytes[c] = grown;
      }
    }
    let o = this.length;
    for (let r = from; r < to; r++, o++) {
      let p = rowStart[r] as number;
      for (let c = 0; c < width; c++) {
        if (numeric[c]) continue;
        const v = valid[c];
        const offsets = this.offsets[c] as Int32Array;
        let at = this.at[c] as number;
        if (!v || ((v[r >> 3] as number) & (1 << (r & 7))) !== 0) {
          const size = (lengths[c] as Int32Array)[r] as number;
          if (size === 0) (this.empties[c] as number[]).push(o);
          const bytes = this.bytes[c] as Uint8Array;
          for (let end = p + size; p < end; ) bytes[at++] = rowBytes[p++] as number;
          this.at[c] = at;
        }
        offsets[o + 1] = at;
      }
    }
    this.length += count;
  }

  /** The rows gathered so far, for `ParquetFileWriter.write`; the builder starts empty again. */
  take(): ColumnValues[] {
    const length = this.length;
    const columns = this.numeric.map((numeric, c): ColumnValues => {
      if (numeric) return (this.numbers[c] as Float64Array).slice(0, length);
      const offsets = (this.offsets[c] as Int32Array).slice(0, length + 1);
      const cells = new TextCells(length, (this.bytes[c] as Uint8Array).slice(0, this.at[c]), offsets);
      const empties = this.empties[c] as number[];
      if (empties.length === 0) return cells;
      const strings = cells.toStrings();
      for (const row of empties) strings[row] = '';
      return strings;
    });
    this.length = 0;
    this.at.fill(0);
    for (const e of this.empties) e.length = 0;
    return columns;
  }

  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const capacity = Math.max(rows, this.capacity * 2);
    for (let c = 0; c < this.numeric.length; c++) {
      const numbers = this.numbers[c];
      if (numbers) {
        const grown = new Float64Array(capacity);
        grown.set(numbers);
        this.numbers[c] = grown;
      }
      const offsets = this.offsets[c];
      if (offsets) {
        const grown = new Int32Array(capacity + 1);
        grown.set(offsets);
        this.offsets[c] = grown;
      }
    }
    this.capacity = capacity;
  }
}

/** The fields of `@duckdb/node-api`'s DOUBLE, INTEGER and VARCHAR vectors read here. */
interface VectorInternals {
  items?: Float64Array | Int32Array;
  dataView?: DataView;
  validity: { data: BigUint64Array | null; offset: number };
}

/** The vector's validity as bytes (bit `r` of the chunk is row `r`), or null when all are valid. */
function validityBytes(vector: VectorInternals): Uint8Array | null {
  const { data, offset } = vector.validity;
  if (!data) return null;
  if (offset !== 0) throw new Error('a sliced DuckDB vector was not expected here');
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
