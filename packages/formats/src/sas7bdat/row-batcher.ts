import { FormatError } from '../errors.ts';
import { convertSasTemporal, MISSING_DOT } from '../sas-formats.ts';
import { TextCellsBuilder } from '../text-cells.ts';
import type { ColumnValues, RowBatch, ValueType } from '../types.ts';
import type { SasText } from './sas-text.ts';

/** Where one column's value sits in a row, and how to read it. */
export interface ColumnSlot {
  name: string;
  numeric: boolean;
  offset: number;
  width: number;
  type: ValueType;
}

const UNDERSCORE = 95;
const LETTER_A = 65;
const LETTER_Z = 90;

/**
 * SAS special missing values are NaNs whose byte 5 (counting from the least significant) holds
 * the complement of a tag: 0 `._`, 1 `.`, 2..27 `.A`..`.Z` (ReadStat's `sas_assign_tag`, which
 * also accepts tags written as plain ASCII).
 */
export function missingKind(tagByte: number): number {
  const tag = ~tagByte & 0xff;
  if (tag === 0) return UNDERSCORE;
  if (tag >= 2 && tag <= 27) return LETTER_A + tag - 2;
  if (tag === UNDERSCORE || (tag >= LETTER_A && tag <= LETTER_Z)) return tag;
  return MISSING_DOT;
}

/**
 * Decodes rows straight into column-major arrays (a Float64Array per numeric column), so a row
 * never becomes an object. Numbers shorter than 8 bytes are the most significant bytes of a
 * double: they are padded with zeros on the least significant side, per byte order.
 */
export class RowBatcher {
  private readonly numbers: (Float64Array | undefined)[];
  private readonly strings: ((string | null)[] | undefined)[];
  /** Text columns as UTF-8 bytes, when the consumer asked for them (`textAsBytes`). */
  private readonly cells: (TextCellsBuilder | undefined)[];
  private missing: (Uint8Array | undefined)[] = [];
  private count = 0;
  private readonly scratch = new Uint8Array(8);
  private readonly scratchView = new DataView(this.scratch.buffer);

  constructor(
    private readonly slots: ColumnSlot[],
    private readonly text: SasText,
    private readonly littleEndian: boolean,
    private readonly capacity: number,
    textAsBytes = false,
    /** Fill the same arrays for every batch (`ReadOptions.reuseBatches`). */
    private readonly reuse = false,
  ) {
    this.numbers = slots.map((slot) => (slot.numeric ? new Float64Array(capacity) : undefined));
    this.cells = slots.map((slot) =>
      slot.numeric || !textAsBytes ? undefined : new TextCellsBuilder(capacity, slot.width),
    );
    this.strings = slots.map((slot) => (slot.numeric || textAsBytes ? undefined : new Array<string | null>(capacity)));
  }

  get length(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  /** Adds the row at `start` of `bytes` (bounds already checked by the caller); `rowNumber` is for errors. */
  add(bytes: Buffer, view: DataView, start: number, rowNumber: number): void {
    const row = this.count;
    const slots = this.slots;
    for (let c = 0; c < slots.length; c++) {
      const slot = slots[c] as ColumnSlot;
      const at = start + slot.offset;
      const values = this.numbers[c];
      if (values) {
        const value = this.readNumber(bytes, view, at, slot.width);
        values[row] = value;
        if (Number.isNaN(value)) this.noteMissing(c, row, bytes, at, slot.width);
        continue;
      }
      const cells = this.cells[c];
      try {
        if (cells) {
          const text = this.text;
          cells.addText(bytes, at, text.end(bytes, at, at + slot.width), text.decode);
          continue;
        }
        const texts = this.strings[c] as (string | null)[];
        texts[row] = this.text.value(bytes, at, at + slot.width);
      } catch (error) {
        if (error instanceof FormatError) {
          throw new FormatError(error.reason, { row: rowNumber, column: slot.name });
        }
        throw error;
      }
    }
    this.count = row + 1;
  }

  /**
   * Adds `count` consecutive rows (`rowLength` bytes apart from `start`, bounds checked by the
   * caller, at most the room left in the batch) column by column: one loop per column instead of
   * a dispatch per cell, the way the XPT reader decodes its records. Same values as `add` row by row.
   */
  addRun(bytes: Buffer, view: DataView, start: number, rowLength: number, count: number, firstRowNumber: number): void {
    const row = this.count;
    const slots = this.slots;
    const little = this.littleEndian;
    for (let c = 0; c < slots.length; c++) {
      const slot = slots[c] as ColumnSlot;
      const at = start + slot.offset;
      const values = this.numbers[c];
      if (values) {
        const width = slot.width;
        for (let r = 0, o = at; r < count; r++, o += rowLength) {
          const value = width === 8 ? view.getFloat64(o, little) : this.readNumber(bytes, view, o, width);
          values[row + r] = value;
          if (Number.isNaN(value)) this.noteMissing(c, row + r, bytes, o, width);
        }
        continue;
      }
      const cells = this.cells[c];
      if (cells) {
        try {
          cells.addColumn(bytes, at, rowLength, slot.width, count, this.text.decode, true);
        } catch (error) {
          if (!(error instanceof FormatError)) throw error;
          // Text the file's encoding cannot hold: found again row by row, to name the row.
          for (let r = 0, o = at; r < count; r++, o += rowLength) {
            try {
              this.text.value(bytes, o, o + slot.width);
            } catch {
              throw new FormatError(error.reason, { row: firstRowNumber + r, column: slot.name });
            }
          }
          throw error;
        }
        continue;
      }
      const texts = this.strings[c] as (string | null)[];
      for (let r = 0, o = at; r < count; r++, o += rowLength) {
        try {
          texts[row + r] = this.text.value(bytes, o, o + slot.width);
        } catch (error) {
          if (error instanceof FormatError) {
            throw new FormatError(error.reason, { row: firstRowNumber + r, column: slot.name });
          }
          throw error;
        }
      }
    }
    this.count = row + count;
  }

  /** Room left in this batch. */
  get room(): number {
    return this.capacity - this.count;
  }

  /** The rows added so far, as a batch in this package's units; the batcher starts empty again. */
  take(): RowBatch {
    const length = this.count;
    const partial = length < this.capacity;
    const columns: ColumnValues[] = [];
    for (let c = 0; c < this.slots.length; c++) {
      const slot = this.slots[c] as ColumnSlot;
      const values = this.numbers[c];
      if (values) {
        // Hand the arrays over and start new ones: no copy for full batches.
        const out = partial ? values.slice(0, length) : values;
        convertSasTemporal(out, slot.type);
        columns.push(out);
        if (!partial && !this.reuse) this.numbers[c] = new Float64Array(this.capacity);
      } else if (this.cells[c]) {
        columns.push((this.cells[c] as TextCellsBuilder).take(this.reuse));
      } else {
        const texts = this.strings[c] as (string | null)[];
        columns.push(partial ? texts.slice(0, length) : texts);
        if (!partial) this.strings[c] = new Array<string | null>(this.capacity);
      }
    }
    const batch: RowBatch = { length, columns };
    if (this.missing.some((m) => m !== undefined)) {
      batch.missing = this.slots.map((_, c) => this.missing[c]?.slice(0, length));
    }
    this.missing = [];
    this.count = 0;
    return batch;
  }

  private readNumber(bytes: Buffer, view: DataView, at: number, width: number): number {
    if (width === 8) return view.getFloat64(at, this.littleEndian);
    const scratch = this.scratch;
    scratch.fill(0);
    const into = this.littleEndian ? 8 - width : 0;
    for (let i = 0; i < width; i++) scratch[into + i] = bytes[at + i] as number;
    return this.scratchView.getFloat64(0, this.littleEndian);
  }

  /** Records the kind of a missing value, allocating the column's array on its first special missing. */
  private noteMissing(column: number, row: number, bytes: Buffer, at: number, width: number): void {
    // The tag byte is byte 5 from the least significant end; a number of fewer than 3 bytes has none.
    let kind = MISSING_DOT;
    if (width >= 3) kind = missingKind(bytes[this.littleEndian ? at + width - 3 : at + 2] as number);
    let marks = this.missing[column];
    if (!marks) {
      if (kind === MISSING_DOT) return;
      marks = new Uint8Array(this.capacity);
      const values = this.numbers[column] as Float64Array;
      for (let r = 0; r < row; r++) if (Number.isNaN(values[r])) marks[r] = MISSING_DOT;
      this.missing[column] = marks;
    }
    marks[row] = kind;
  }
}
