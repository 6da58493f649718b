import { FormatError, type FormatErrorLocation } from '../errors.ts';
import { TextCells } from '../text-cells.ts';
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
 * A builder for a column of `type`. Its buffers are sized by the first batch and grow with the row
 * group, so a small dataset (most members of an SDTM transfer, read as one batch) allocates what
 * it needs: 8,192 rows' worth per column up front was most of what a 30-row domain allocated, and
 * the pilot SDTM's garbage collection followed it (issue 17).
 */
export function columnBuilder(type: ValueType, where: FormatErrorLocation): ColumnBuilder {
  return type === 'string' ? new TextColumn(0) : new NumberColumn(type, 0, where);
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
 * at most 65,536 of them), else PLAIN from the moment it stops paying. Everything here is UTF-8
 * bytes: `TextCells` from the SAS readers go in as they are (no JavaScript string is ever made of
 * them), strings from the other readers are encoded once on the way in. The dictionary is keyed on
 * the bytes (an FNV-1a hash and a byte comparison), and statistics compare bytes, which is
 * Parquet's order (UTF-8 byte order is code point order).
 */
class TextColumn implements ColumnBuilder {
  private validity: Uint8Array;
  private rows = 0;
  private n = 0;
  private dictionary: ByteDictionary | undefined = new ByteDictionary();
  /** The dictionary index of the last value added from `TextCells` (-1: none yet in this row group). */
  private last = -1;
  private indices: Int32Array;
  private readonly plain = new PlainText();
  /** Where a string value is encoded before it is added. */
  private scratch = Buffer.allocUnsafe(256);

  constructor(capacity: number) {
    this.validity = new Uint8Array(Math.ceil(capacity / 8));
    this.indices = new Int32Array(capacity);
  }

  add(raw: ColumnValues, length: number): void {
    this.validity = bitmapFor(this.validity, this.rows + length);
    if (this.dictionary && this.indices.length < this.n + length) {
      const grown = new Int32Array(Math.max(this.n + length, this.indices.length * 2));
      grown.set(this.indices);
      this.indices = grown;
    }
    if (raw instanceof TextCells) this.addCells(raw, length);
    else this.addStrings(raw as (string | null)[], length);
    const dictionary = this.dictionary;
    if (dictionary && (dictionary.size > MAX_DICTIONARY || (this.n >= 1024 && dictionary.size * 2 > this.n))) {
      this.toPlain();
    }
  }

  private addCells(cells: TextCells, length: number): void {
    const { validity, dictionary, indices, plain } = this;
    const { bytes, offsets } = cells;
    let row = this.rows;
    let n = this.n;
    if (!dictionary) {
      for (let i = 0; i < length; i++, row++) {
        const start = offsets[i] as number;
        const end = offsets[i + 1] as number;
        if (end === start) continue;
        validity[row >> 3] = (validity[row >> 3] as number) | (1 << (row & 7));
        plain.push(bytes, start, end);
        n++;
      }
      this.rows = row;
      this.n = n;
      return;
    }
    // Sorted clinical data repeats a value row after row (STUDYID, USUBJID, a test's unit, its
    // category): a cell equal to the value before it takes that value's index without hashing.
    let last = this.last;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < length; i++, row++) {
      const start = offsets[i] as number;
      const end = offsets[i + 1] as number;
      if (end === start) continue;
      validity[row >> 3] = (validity[row >> 3] as number) | (1 << (row & 7));
      if (last < 0 || !dictionary.holds(last, view, start, end)) last = dictionary.index(bytes, start, end);
      indices[n] = last;
      n++;
    }
    this.last = last;
    this.rows = row;
    this.n = n;
  }

  private addStrings(values: (string | null)[], length: number): void {
    const { validity, dictionary, indices, plain } = this;
    let row = this.rows;
    let n = this.n;
    for (let i = 0; i < length; i++, row++) {
      const value = values[i];
      if (value === null || value === undefined) continue;
      validity[row >> 3] = (validity[row >> 3] as number) | (1 << (row & 7));
      const size = this.encode(value);
      if (dictionary) indices[n] = dictionary.index(this.scratch, 0, size);
      else plain.push(this.scratch, 0, size);
      n++;
    }
    this.rows = row;
    this.n = n;
  }

  /** `value` as UTF-8 in `scratch`; returns its length in bytes. */
  private encode(value: string): number {
    const n = value.length;
    if (n * 3 > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(n * 3, this.scratch.length * 2));
    const scratch = this.scratch;
    for (let j = 0; j < n; j++) {
      const code = value.charCodeAt(j);
      if (code > 0x7f) return scratch.write(value, 0, 'utf8');
      scratch[j] = code;
    }
    return n;
  }

  /** The values so far, written out PLAIN; later ones follow them there. */
  private toPlain(): void {
    const dictionary = this.dictionary as ByteDictionary;
    const words = dictionary.words;
    for (let i = 0; i < this.n; i++) {
      const index = this.indices[i] as number;
      const start = dictionary.starts[index] as number;
      this.plain.push(words, start, start + (dictionary.lengths[index] as number));
    }
    this.dictionary = undefined;
  }

  finish(): EncodedColumn {
    const { rows, n } = this;
    const levels = definitionLevels(this.validity, rows);
    let encoded: EncodedColumn;
    const dictionary = this.dictionary;
    if (dictionary) {
      const width = Math.max(1, Math.ceil(Math.log2(dictionary.size)));
      encoded = {
        rows,
        nulls: rows - n,
        levels,
        values: bitPacked(this.indices, n, width),
        dictionary: { values: dictionary.plain(), count: dictionary.size },
        ...dictionary.bounds(),
      };
    } else {
      encoded = { rows, nulls: rows - n, levels, values: this.plain.bytes(), ...this.plain.bounds() };
    }
    this.validity.fill(0);
    this.rows = 0;
    this.n = 0;
    this.dictionary = new ByteDictionary();
    this.last = -1;
    this.plain.reset();
    return encoded;
  }
}

/** Compares `a[as, ae)` with `b[bs, be)` byte by byte (shorter first on a common prefix). */
function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = (a[as + i] as number) - (b[bs + i] as number);
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}

/**
 * Distinct texts in order of first appearance, kept PLAIN-encoded (the dictionary page as it will
 * be written), with an open-addressing hash table over their bytes.
 */
class ByteDictionary {
  words = Buffer.allocUnsafe(1 << 12);
  /** `words` for reads of four bytes at once. */
  private view = new DataView(this.words.buffer, this.words.byteOffset, this.words.byteLength);
  private at = 0;
  starts: Int32Array = new Int32Array(256);
  lengths: Int32Array = new Int32Array(256);
  private hashes: Int32Array = new Int32Array(256);
  private table = new Int32Array(512).fill(-1);
  size = 0;

  /** Whether entry `entry` is `source[start, end)`: compared four bytes at a time. */
  holds(entry: number, source: DataView, start: number, end: number): boolean {
    if (this.lengths[entry] !== end - start) return false;
    const words = this.view;
    let at = this.starts[entry] as number;
    let i = start;
    for (; i + 4 <= end; i += 4, at += 4) if (words.getInt32(at) !== source.getInt32(i)) return false;
    for (; i < end; i++, at++) if (words.getUint8(at) !== source.getUint8(i)) return false;
    return true;
  }

  /** The index of `source[start, end)`, added when new. */
  index(source: Uint8Array, start: number, end: number): number {
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ (source[i] as number), 0x01000193);
    const length = end - start;
    const { table, words, starts, lengths, hashes } = this;
    const mask = table.length - 1;
    let slot = hash & mask;
    for (;;) {
      const entry = table[slot] as number;
      if (entry < 0) break;
      if (hashes[entry] === hash && lengths[entry] === length) {
        const at = starts[entry] as number;
        let same = true;
        for (let i = 0; i < length; i++) {
          if (words[at + i] !== source[start + i]) {
            same = false;
            break;
          }
        }
        if (same) return entry;
      }
      slot = (slot + 1) & mask;
    }
    return this.append(source, start, end, hash, slot);
  }

  private append(source: Uint8Array, start: number, end: number, hash: number, slot: number): number {
    const length = end - start;
    if (this.at + 4 + length > this.words.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.words.length * 2, this.at + 4 + length));
      this.words.copy(grown, 0, 0, this.at);
      this.words = grown;
      this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
    }
    const entry = this.size;
    if (entry === this.starts.length) {
      this.starts = grownInts(this.starts);
      this.lengths = grownInts(this.lengths);
      this.hashes = grownInts(this.hashes);
    }
    const words = this.words;
    writeLength(words, this.at, length);
    const at = this.at + 4;
    for (let i = 0; i < length; i++) words[at + i] = source[start + i] as number;
    this.at = at + length;
    this.starts[entry] = at;
    this.lengths[entry] = length;
    this.hashes[entry] = hash;
    this.table[slot] = entry;
    this.size = entry + 1;
    if (this.size * 2 > this.table.length) this.rehash();
    return entry;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = table.length - 1;
    for (let entry = 0; entry < this.size; entry++) {
      let slot = (this.hashes[entry] as number) & mask;
      while ((table[slot] as number) >= 0) slot = (slot + 1) & mask;
      table[slot] = entry;
    }
    this.table = table;
  }

  /** The dictionary page's values. */
  plain(): Uint8Array {
    return this.words.subarray(0, this.at);
  }

  bounds(): { min?: Uint8Array; max?: Uint8Array } {
    if (this.size === 0) return {};
    const { words, starts, lengths } = this;
    let low = 0;
    let high = 0;
    for (let e = 1; e < this.size; e++) {
      const s = starts[e] as number;
      const end = s + (lengths[e] as number);
      const ls = starts[low] as number;
      if (compareBytes(words, s, end, words, ls, ls + (lengths[low] as number)) < 0) low = e;
      const hs = starts[high] as number;
      if (compareBytes(words, s, end, words, hs, hs + (lengths[high] as number)) > 0) high = e;
    }
    const slice = (e: number) =>
      new Uint8Array(words.subarray(starts[e] as number, (starts[e] as number) + (lengths[e] as number)));
    return { min: slice(low), max: slice(high) };
  }
}

/** A PLAIN BYTE_ARRAY's 4-byte little-endian length, without `Buffer.writeUInt32LE`'s checks per value. */
function writeLength(target: Uint8Array, at: number, length: number): void {
  target[at] = length & 0xff;
  target[at + 1] = (length >>> 8) & 0xff;
  target[at + 2] = (length >>> 16) & 0xff;
  target[at + 3] = length >>> 24;
}

function grownInts(values: Int32Array): Int32Array {
  const grown = new Int32Array(values.length * 2);
  grown.set(values);
  return grown;
}

/** PLAIN BYTE_ARRAY text (4-byte length, UTF-8), with the smallest and largest value by byte order. */
class PlainText {
  /** Grown as values arrive (most text columns stay dictionary-encoded and never need it). */
  private buffer = Buffer.allocUnsafe(0);
  private at = 0;
  /** Start and end (in `buffer`) of the smallest and largest values; `lowEnd < 0` before the first. */
  private lowStart = 0;
  private lowEnd = -1;
  private highStart = 0;
  private highEnd = -1;

  push(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (this.at + 4 + length > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + 4 + length));
      this.buffer.copy(grown, 0, 0, this.at);
      this.buffer = grown;
    }
    const buffer = this.buffer;
    writeLength(buffer, this.at, length);
    const at = this.at + 4;
    for (let i = 0; i < length; i++) buffer[at + i] = source[start + i] as number;
    this.at = at + length;
    if (this.lowEnd < 0) {
      this.lowStart = this.highStart = at;
      this.lowEnd = this.highEnd = at + length;
    } else if (compareBytes(buffer, at, at + length, buffer, this.lowStart, this.lowEnd) < 0) {
      this.lowStart = at;
      this.lowEnd = at + length;
    } else if (compareBytes(buffer, at, at + length, buffer, this.highStart, this.highEnd) > 0) {
      this.highStart = at;
      this.highEnd = at + length;
    }
  }

  bounds(): { min?: Uint8Array; max?: Uint8Array } {
    if (this.lowEnd < 0) return {};
    return {
      min: new Uint8Array(this.buffer.subarray(this.lowStart, this.lowEnd)),
      max: new Uint8Array(this.buffer.subarray(this.highStart, this.highEnd)),
    };
  }

  /** The bytes so far, valid until `reset`. */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.at);
  }

  reset(): void {
    this.at = 0;
    this.lowEnd = -1;
    this.highEnd = -1;
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
