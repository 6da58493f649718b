import { FormatError, type FormatErrorLocation } from '../errors.ts';
import type { ColumnValues, ValueType } from '../types.ts';

/**
 * One column of one row group encoded as Parquet pages want it, before compression: the
 * definition levels (every column is OPTIONAL), the values (PLAIN, or dictionary indices with
 * the dictionary), and the statistics DuckDB uses to skip row groups. The conversions are the
 * ones the DuckDB write path made with SQL (`CAST(x AS BIGINT)`, `round(x * 1000)`, ...), to the
 * bit: a file reads back the same whichever writer wrote it (round-trip-corpus.test.ts).
 */
export interface EncodedColumn {
  /**
   * `levels`, `values` and the dictionary may be views of the builder's own buffers, reused for
   * the next row group: copy (or compress) them before adding more rows.
   */
  rows: number;
  nulls: number;
  /** RLE/bit-packed hybrid definition levels, with their 4-byte length prefix. */
  levels: Uint8Array;
  values: Uint8Array;
  /** PLAIN-encoded dictionary; `values` are then its indices (RLE_DICTIONARY). */
  dictionary?: { values: Uint8Array; count: number };
  min?: Uint8Array;
  max?: Uint8Array;
}

const TWO_32 = 4_294_967_296;
/** |x| below this fits a signed 64-bit integer (DuckDB refuses the cast otherwise). */
const TWO_63 = 2 ** 63;
/** DuckDB's DATE range in days from 1970 (±2^31 - 1 mean ±infinity). */
const MAX_DAYS = 2_147_483_646;
/** DuckDB's earliest TIMESTAMP in microseconds (290309 BC); the latest is what 64 bits hold. */
const MIN_MICROS = -TWO_63 + 14_454_775_808;
const DAY_MICROS = 86_400_000_000;
const INITIAL_ROWS = 8192;
/** A dictionary larger than this is not worth it: the column is written PLAIN. */
const MAX_DICTIONARY = 65_536;

/** `CAST(double AS BIGINT)` in DuckDB rounds half to even. */
function roundHalfEven(value: number): number {
  const r = Math.round(value);
  return r - value === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** DuckDB's `round(double)`: half away from zero. */
function roundHalfAway(value: number): number {
  return value < 0 ? -Math.round(-value) : Math.round(value);
}

/** The physical value DuckDB stored for a staged double, or `undefined` when out of its range. */
function physical(type: ValueType, value: number): number | undefined {
  switch (type) {
    case 'integer': {
      const r = roundHalfEven(value);
      return Math.abs(r) < TWO_63 ? r : undefined;
    }
    case 'date': {
      const days = Math.floor(value);
      return Math.abs(days) <= MAX_DAYS ? days : undefined;
    }
    case 'datetime': {
      const micros = roundHalfAway(value * 1000);
      return micros >= MIN_MICROS && micros < TWO_63 ? micros : undefined;
    }
    case 'time': {
      const micros = roundHalfAway(value * 1_000_000);
      if (Math.abs(micros) >= TWO_63) return undefined;
      // DuckDB's TIME arithmetic keeps a time of day: a value past 24 hours wraps.
      return ((micros % DAY_MICROS) + DAY_MICROS) % DAY_MICROS;
    }
    default:
      return value;
  }
}

const OUT_OF_RANGE: Partial<Record<ValueType, string>> = {
  integer: 'is out of range for a 64-bit integer',
  date: 'is a date out of range (beyond year ±5 million)',
  datetime: 'is a datetime out of range (beyond year ±290,000)',
  time: 'is a time out of range',
};

/**
 * Collects one column of a row group batch by batch, so a batch's arrays (and its strings) are
 * garbage as soon as the batch is consumed: holding a row group of batches promoted them to the
 * old generation and tripled the time spent collecting garbage.
 */
export interface ColumnBuilder {
  add(values: ColumnValues, length: number, firstRow: number): void;
  /** The column chunk of the rows added so far; the builder starts empty again. */
  finish(): EncodedColumn;
}

/**
 * A builder for a column of `type`. Its buffers start at one reader batch and grow with the row
 * group, so a small dataset (most members of an SDTM transfer) allocates what it needs, not a row
 * group's worth per column.
 */
export function columnBuilder(type: ValueType, where: FormatErrorLocation): ColumnBuilder {
  return type === 'string' ? new TextColumn(INITIAL_ROWS) : new NumberColumn(type, INITIAL_ROWS, where);
}

/** Grows a bitmap to hold `bits`. */
function bitmapFor(current: Uint8Array, bits: number): Uint8Array {
  const bytes = Math.ceil(bits / 8);
  if (bytes <= current.length) return current;
  const grown = new Uint8Array(Math.max(bytes, current.length * 2));
  grown.set(current);
  return grown;
}

class NumberColumn implements ColumnBuilder {
  private readonly width: number;
  private out: Uint8Array;
  private validity: Uint8Array;
  private rows = 0;
  private n = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly type: ValueType,
    capacity: number,
    private readonly where: FormatErrorLocation,
  ) {
    this.width = type === 'date' ? 4 : type === 'boolean' ? 1 : 8;
    this.out = new Uint8Array(capacity * this.width);
    this.validity = new Uint8Array(Math.ceil(capacity / 8));
  }

  add(raw: ColumnValues, length: number, firstRow: number): void {
    const values = raw as Float64Array;
    const need = (this.n + length) * this.width;
    if (need > this.out.length) {
      const grown = new Uint8Array(Math.max(need, this.out.length * 2));
      grown.set(this.out);
      this.out = grown;
    }
    this.validity = bitmapFor(this.validity, this.rows + length);
    const { type, validity } = this;
    let { n, min, max } = this;
    let row = this.rows;
    if (type === 'number') {
      // Eight-byte aligned: `out` is always a fresh buffer of whole doubles.
      const doubles = new Float64Array(this.out.buffer, 0, this.out.length / 8);
      for (let i = 0; i < length; i++, row++) {
        const value = values[i] as number;
        if (!Number.isFinite(value)) continue;
        validity[row >> 3] = (validity[row >> 3] as number) | (1 << (row & 7));
        doubles[n++] = value;
        if (value < min) min = value;
        if (value > max) max = value;
      }
    } else if (type === 'boolean') {
      const out = this.out;
      for (let i = 0; i < length; i++, row++) {
        const value = values[i] as number;
        if (!Number.isFinite(value)) continue;
        validity[row >> 3] = (validity[row >> 3] as number) | (1 << (row & 7));
        const bit = value !== 0 ? 1 : 0;
        out[n] = bit;
        n++;
        if (bit < min) min = bit;
        if (bit > max) max = bit;
      }
    } else {
      const ints = new Int32Array(this.out.buffer, 0, this.out.length / 4);
      const wide = type !== 'date';
      for (let i = 0; i < length; i++, row++) {
        const raw = values[i] as number;
        if (!Number.isFinite(raw)) continue;
        const value = physical(type, raw);
        if (value === undefined) {
          throw new FormatError(`the value ${raw} ${OUT_OF_RANGE[type]}`, { ...this.where, row: firstRow + i + 1 });
        }
        validity[row >> 3] = (validity[row >> 3] as number) | (1 << (row & 7));
        if (value < min) min = value;
        if (value > max) max = value;
        if (wide) {
          const high = Math.floor(value / TWO_32);
          ints[2 * n] = value - high * TWO_32;
          ints[2 * n + 1] = high;
        } else ints[n] = value;
        n++;
      }
    }
    this.rows = row;
    this.n = n;
    this.min = min;
    this.max = max;
  }

  finish(): EncodedColumn {
    const { type, n, rows } = this;
    let values: Uint8Array;
    if (type === 'boolean') {
      // Booleans were collected one per byte; PLAIN packs them eight to a byte.
      values = new Uint8Array(Math.ceil(n / 8));
      for (let i = 0; i < n; i++) if (this.out[i]) values[i >> 3] = (values[i >> 3] as number) | (1 << (i & 7));
    } else values = this.out.subarray(0, n * this.width);
    const encoded: EncodedColumn = { rows, nulls: rows - n, levels: definitionLevels(this.validity, rows), values };
    if (n > 0) {
      encoded.min = statistic(type, type === 'number' && this.min === 0 ? -0 : this.min);
      encoded.max = statistic(type, type === 'number' && this.max === 0 ? 0 : this.max);
    }
    this.validity.fill(0);
    this.rows = 0;
    this.n = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    return encoded;
  }
}

/**
 * Text: dictionary-encoded while it pays (fewer distinct values than half the values seen, and
 * at most 65,536 of them), else PLAIN from the moment it stops paying.
 */
class TextColumn implements ColumnBuilder {
  private validity: Uint8Array;
  private rows = 0;
  private n = 0;
  private dictionary: Map<string, number> | undefined = new Map();
  private indices: Int32Array;
  private readonly plain = new TextBuffer();

  constructor(capacity: number) {
    this.validity = new Uint8Array(Math.ceil(capacity / 8));
    this.indices = new Int32Array(capacity);
  }

  add(raw: ColumnValues, length: number): void {
    const values = raw as (string | null)[];
    this.validity = bitmapFor(this.validity, this.rows + length);
    const validity = this.validity;
    let row = this.rows;
    const dictionary = this.dictionary;
    if (dictionary) {
      if (this.indices.length < this.n + length) {
        const grown = new Int32Array(Math.max(this.n + length, this.indices.length * 2));
        grown.set(this.indices);
        this.indices = grown;
      }
      const indices = this.indices;
      let n = this.n;
      for (let i = 0; i < length; i++, row++) {
        const value = values[i];
        if (value === null || value === undefined) continue;
        validity[row >> 3] = (validity[row >> 3] as number) | (1 << (row & 7));
        let index = dictionary.get(value);
        if (index === undefined) {
          index = dictionary.size;
          dictionary.set(value, index);
        }
        indices[n++] = index;
      }
      this.n = n;
      this.rows = row;
      if (dictionary.size > MAX_DICTIONARY || (n >= 1024 && dictionary.size * 2 > n)) this.toPlain();
      return;
    }
    const plain = this.plain;
    for (let i = 0; i < length; i++, row++) {
      const value = values[i];
      if (value === null || value === undefined) continue;
      validity[row >> 3] = (validity[row >> 3] as number) | (1 << (row & 7));
      plain.push(value);
      this.n++;
    }
    this.rows = row;
  }

  /** The values so far, written out PLAIN; later ones follow them there. */
  private toPlain(): void {
    const words = [...(this.dictionary as Map<string, number>).keys()];
    for (let i = 0; i < this.n; i++) this.plain.push(words[this.indices[i] as number] as string);
    this.dictionary = undefined;
  }

  finish(): EncodedColumn {
    const { rows, n } = this;
    const levels = definitionLevels(this.validity, rows);
    let encoded: EncodedColumn;
    if (this.dictionary) {
      const words = new TextBuffer();
      for (const word of this.dictionary.keys()) words.push(word);
      const width = Math.max(1, Math.ceil(Math.log2(this.dictionary.size)));
      encoded = {
        rows,
        nulls: rows - n,
        levels,
        values: bitPacked(this.indices, n, width),
        dictionary: { values: words.bytes(), count: this.dictionary.size },
        min: words.min,
        max: words.max,
      };
    } else {
      encoded = { rows, nulls: rows - n, levels, values: this.plain.bytes(), min: this.plain.min, max: this.plain.max };
    }
    this.validity.fill(0);
    this.rows = 0;
    this.n = 0;
    this.dictionary = new Map();
    this.plain.reset();
    return encoded;
  }
}

/** PLAIN BYTE_ARRAY text (4-byte length, UTF-8), with the smallest and largest value by byte order. */
class TextBuffer {
  private buffer = Buffer.allocUnsafe(1 << 16);
  private at = 0;
  private low: string | undefined;
  private high: string | undefined;

  push(value: string): void {
    const n = value.length;
    if (this.at + 4 + n * 3 > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + 4 + n * 3));
      this.buffer.copy(grown, 0, 0, this.at);
      this.buffer = grown;
    }
    const buffer = this.buffer;
    const start = this.at + 4;
    let written = n;
    let ascii = true;
    for (let j = 0; j < n; j++) {
      const code = value.charCodeAt(j);
      if (code > 0x7f) {
        written = buffer.write(value, start, 'utf8');
        ascii = false;
        break;
      }
      buffer[start + j] = code;
    }
    buffer.writeUInt32LE(written, this.at);
    this.at = start + written;
    const { low, high } = this;
    if (low === undefined || high === undefined) {
      this.low = value;
      this.high = value;
    } else if (ascii) {
      // An ASCII text differs from any other below U+D800, where UTF-16 order is code point order.
      if (value < low) this.low = value;
      else if (value > high) this.high = value;
    } else {
      if (compareCodePoints(value, low) < 0) this.low = value;
      if (compareCodePoints(value, high) > 0) this.high = value;
    }
  }

  get min(): Uint8Array | undefined {
    return this.low === undefined ? undefined : Buffer.from(this.low, 'utf8');
  }

  get max(): Uint8Array | undefined {
    return this.high === undefined ? undefined : Buffer.from(this.high, 'utf8');
  }

  /** The bytes so far, valid until `reset`. */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.at);
  }

  reset(): void {
    this.at = 0;
    this.low = undefined;
    this.high = undefined;
  }
}

/**
 * Compares texts by code point, which is the order of their UTF-8 bytes (Parquet's order for
 * statistics). JavaScript's `<` compares UTF-16 units, which puts U+10000 and above (surrogate
 * pairs) before U+E000..U+FFFF; the two orders agree everywhere else.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return rank(x) - rank(y);
    return x - y;
  }
  return a.length - b.length;
}

/** A UTF-16 unit from U+D800 up, ranked so that surrogates (code points past U+FFFF) come last. */
function rank(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Every column is OPTIONAL: its levels are its validity bitmap, as bit-packed runs of width 1. */
function definitionLevels(validity: Uint8Array, rows: number): Uint8Array {
  const groups = Math.ceil(rows / 8);
  const header = varint(groups * 2 + 1);
  const out = new Uint8Array(4 + header.length + groups);
  new DataView(out.buffer).setUint32(0, header.length + groups, true);
  out.set(header, 4);
  out.set(validity.subarray(0, groups), 4 + header.length);
  return out;
}

/** Dictionary indices: the bit width, then `count` values of `width` bits as one bit-packed run. */
function bitPacked(values: Int32Array, count: number, width: number): Uint8Array {
  const groups = Math.ceil(count / 8);
  const header = varint(groups * 2 + 1);
  const start = 1 + header.length;
  const out = new Uint8Array(start + groups * width);
  out[0] = width;
  out.set(header, 1);
  let at = start;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < groups * 8; i++) {
    acc |= (i < count ? (values[i] as number) : 0) << bits;
    bits += width;
    while (bits >= 8) {
      out[at++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  return out;
}

function varint(value: number): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Uint8Array.from(bytes);
}

/** A statistic as Parquet stores it: the PLAIN encoding of the value. */
function statistic(type: ValueType, value: number): Uint8Array {
  const out = new Uint8Array(type === 'date' ? 4 : type === 'boolean' ? 1 : 8);
  const view = new DataView(out.buffer);
  if (type === 'number') view.setFloat64(0, value, true);
  else if (type === 'date') view.setInt32(0, value, true);
  else if (type === 'boolean') out[0] = value;
  else {
    const high = Math.floor(value / TWO_32);
    view.setUint32(0, value - high * TWO_32, true);
    view.setInt32(4, high, true);
  }
  return out;
}
