import type { ColumnValues } from './types.ts';

/**
 * A batch's text column as UTF-8 bytes instead of JavaScript strings (issue 17): cell `i` is
 * `bytes[offsets[i], offsets[i + 1])`, and an empty cell is `null` (every reader here maps blank
 * text to missing, so no value is the empty string). The SAS readers hand these to the Parquet
 * writer when asked (`ReadOptions.textAsBytes`): a 1,000,000-row file no longer makes ten million
 * strings only to encode them back to UTF-8, and the garbage collector has nothing to collect.
 */
export class TextCells {
  constructor(
    /** Rows in the column. */
    readonly length: number,
    /** UTF-8 text of the cells, one after the other. */
    readonly bytes: Uint8Array,
    /** `length + 1` offsets into `bytes`. */
    readonly offsets: Int32Array,
  ) {}

  /** Cell `i` as a string (for tests and the rare consumer that wants strings). */
  get(i: number): string | null {
    const start = this.offsets[i] as number;
    const end = this.offsets[i + 1] as number;
    return end === start
      ? null
      : Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length).toString('utf8', start, end);
  }

  /** Every cell as strings. */
  toStrings(): (string | null)[] {
    const out = new Array<string | null>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.get(i);
    return out;
  }
}

/** A text column's first buffer, at most (see the constructor). */
const INITIAL_TEXT_BYTES = 64 * 1024;

/** Eight blanks (0x20 bytes) read as one big-endian double. */
const EIGHT_BLANKS = new DataView(new Uint8Array(8).fill(0x20).buffer).getFloat64(0);

/** Fills one `TextCells` a cell at a time; `take` hands it over and starts again. */
export class TextCellsBuilder {
  private bytes: Buffer;
  private offsets: Int32Array;
  private count = 0;
  private at = 0;

  /** `capacity` rows of at most `width` bytes each (ASCII); wider cells grow the buffer. */
  constructor(
    private readonly capacity: number,
    width: number,
  ) {
    // Room for every cell at full width only up to a run of the reader's: SAS text is mostly
    // padding, and the buffer grows when a run's cells need more (`addColumn` checks per run).
    this.bytes = Buffer.allocUnsafe(Math.max(16, Math.min(capacity * width, INITIAL_TEXT_BYTES)));
    this.offsets = new Int32Array(capacity + 1);
  }

  get length(): number {
    return this.count;
  }

  /** Copies `source[start, end)`, which must be UTF-8 (ASCII is); an empty range is `null`. */
  addBytes(source: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.at + n > this.bytes.length) this.grow(n);
    const bytes = this.bytes;
    let at = this.at;
    for (let i = start; i < end; i++) bytes[at++] = source[i] as number;
    this.at = at;
    this.offsets[++this.count] = at;
  }

  /**
   * Copies `source[start, end)` when it is ASCII; otherwise adds `decode(source, start, end)`
   * (the reader's rule for text that is not ASCII), encoded as UTF-8. An empty range is `null`.
   */
  addText(
    source: Buffer,
    start: number,
    end: number,
    decode: (bytes: Buffer, start: number, end: number) => string,
  ): void {
    const n = end - start;
    if (this.at + n > this.bytes.length) this.grow(n);
    const bytes = this.bytes;
    let at = this.at;
    let high = 0;
    for (let i = start; i < end; i++) {
      const b = source[i] as number;
      high |= b;
      bytes[at++] = b;
    }
    if (high & 0x80) {
      this.addString(decode(source, start, end));
      return;
    }
    this.at = at;
    this.offsets[++this.count] = at;
  }

  /**
   * Adds one fixed-width column of `count` cells, `stride` bytes apart from `source[start]`, each
   * `width` bytes: trailing blanks dropped, ASCII copied as is, anything else through `decode` (the
   * reader's rule). One loop over the column (issue 17), the same cells as `addText` one by one.
   */
  addColumn(
    source: Buffer,
    start: number,
    stride: number,
    width: number,
    count: number,
    decode: (bytes: Buffer, start: number, end: number) => string,
    /** Trim NULs as well as blanks from the end (SAS7BDAT's rule; XPT pads with blanks only). */
    trimNuls = false,
  ): void {
    // At most `width` bytes per cell: one check for the column instead of one per cell.
    if (this.at + count * width > this.bytes.length) this.grow(count * width);
    const offsets = this.offsets;
    let bytes = this.bytes;
    let at = this.at;
    let index = this.count;
    // Trailing blanks eight at a time: SAS text columns are mostly padding (a 200-byte AETERM
    // holds a few words). Two doubles compare equal only when their bits do (neither is zero or
    // NaN here), so this is an exact test of eight blanks.
    const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
    // Cells are copied four bytes at a time (a test of the four high bits tells ASCII).
    let out = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let r = 0, cell = start; r < count; r++, cell += stride) {
      let end = cell + width;
      while (end - 8 >= cell && view.getFloat64(end - 8) === EIGHT_BLANKS) end -= 8;
      if (trimNuls) {
        while (end > cell && (source[end - 1] === 0x20 || source[end - 1] === 0)) end--;
      } else {
        while (end > cell && source[end - 1] === 0x20) end--;
      }
      let high = 0;
      const from = at;
      let i = cell;
      for (; i + 4 <= end; i += 4, at += 4) {
        const word = view.getInt32(i);
        high |= word;
        out.setInt32(at, word);
      }
      for (; i < end; i++) {
        const b = source[i] as number;
        high |= b;
        bytes[at++] = b;
      }
      if (high & 0x80808080) {
        // Rare: text that is not ASCII, decoded by the reader's rule and encoded as UTF-8.
        this.at = from;
        this.count = index;
        this.addString(decode(source, cell, end));
        bytes = this.bytes;
        at = this.at;
        index = this.count;
        const left = (count - r - 1) * width;
        if (at + left > bytes.length) {
          this.grow(left);
          bytes = this.bytes;
        }
        out = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        continue;
      }
      offsets[++index] = at;
    }
    this.at = at;
    this.count = index;
  }

  /** A decoded value (text that was not UTF-8 in the file), encoded as UTF-8. */
  addString(value: string | null): void {
    if (value !== null && value.length > 0) {
      const most = value.length * 3;
      if (this.at + most > this.bytes.length) this.grow(most);
      this.at += this.bytes.write(value, this.at, 'utf8');
    }
    this.offsets[++this.count] = this.at;
  }

  addNull(): void {
    this.offsets[++this.count] = this.at;
  }

  /**
   * The cells so far; the builder starts empty again. With `reuse` it keeps its buffers, which the
   * returned cells then share: the caller must be done with them before adding more.
   */
  take(reuse = false): TextCells {
    const length = this.count;
    const cells = new TextCells(
      length,
      this.bytes.subarray(0, this.at),
      length === this.capacity ? this.offsets : this.offsets.slice(0, length + 1),
    );
    if (!reuse) {
      this.bytes = Buffer.allocUnsafe(this.bytes.length);
      this.offsets = new Int32Array(this.capacity + 1);
    }
    this.count = 0;
    this.at = 0;
    return cells;
  }

  private grow(more: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.at + more));
    this.bytes.copy(grown, 0, 0, this.at);
    this.bytes = grown;
  }
}

/** The value at `row` of a batch column, whatever its form (strings, numbers or `TextCells`). */
export function valueAt(values: ColumnValues, row: number): string | number | null | undefined {
  return values instanceof TextCells ? values.get(row) : values[row];
}
