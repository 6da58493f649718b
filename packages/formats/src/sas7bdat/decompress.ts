import { FormatError } from '../errors.ts';

/**
 * Row decompression for COMPRESS=CHAR (RLE, "SASYZCRL") and COMPRESS=BINARY (Ross Data
 * Compression, "SASYZCR2"). Each compressed row decodes to exactly one row of `output.length`
 * bytes; anything else means a corrupt file, so every read and write is bounds-checked and the
 * functions throw a FormatError (without location: the caller knows the row) instead of reading
 * past the input or writing past the row.
 */

/** Rows are short runs mostly: a plain loop beats creating a subarray view for them. */
const SHORT = 64;
/** Below this, a loop beats a call to `fill` or `copyWithin`. */
const SHORT_FILL = 16;

function overrun(kind: string): FormatError {
  return new FormatError(`${kind} data overruns the row length (corrupt file)`);
}

function inputEnds(kind: string): FormatError {
  return new FormatError(`${kind} data ends inside a command (corrupt file)`);
}

function wrongLength(kind: string, got: number, want: number): FormatError {
  return new FormatError(
    `${kind} data decompresses to ${got.toLocaleString('en-US')} bytes, the row length is ${want.toLocaleString('en-US')} (corrupt file)`,
  );
}

/**
 * RLE: a control byte's high nibble is the command, its low nibble a length. Command meanings
 * follow the Shotwell/Cummins specification and ReadStat; commands 1 and 2 (long copies, never
 * seen in SAS-written test files) and the 256 multiplier of command 4 follow parso, pandas and
 * the sas7bdat Rust crate. Command 3 has no known meaning and is rejected.
 */
export function rleDecompress(input: Uint8Array, start: number, end: number, output: Uint8Array): void {
  const want = output.length;
  let i = start;
  let o = 0;
  while (i < end) {
    const control = input[i++] as number;
    const command = control >> 4;
    const nibble = control & 0x0f;
    let copy = 0;
    let insert = 0;
    let fill = 0;
    switch (command) {
      case 0x0:
      case 0x1:
        if (i >= end) throw inputEnds('RLE');
        copy = (input[i++] as number) + 64 + nibble * 256 + (command === 1 ? 4096 : 0);
        break;
      case 0x2:
        copy = nibble + 96;
        break;
      case 0x4:
        if (i + 1 >= end) throw inputEnds('RLE');
        insert = (input[i++] as number) + 18 + nibble * 256;
        fill = input[i++] as number;
        break;
      case 0x5:
      case 0x6:
      case 0x7:
        if (i >= end) throw inputEnds('RLE');
        insert = (input[i++] as number) + 17 + nibble * 256;
        fill = command === 0x5 ? 0x40 : command === 0x6 ? 0x20 : 0x00;
        break;
      case 0x8:
      case 0x9:
      case 0xa:
      case 0xb:
        copy = nibble + 1 + (command - 0x8) * 16;
        break;
      case 0xc:
        if (i >= end) throw inputEnds('RLE');
        insert = nibble + 3;
        fill = input[i++] as number;
        break;
      case 0xd:
      case 0xe:
      case 0xf:
        insert = nibble + 2;
        fill = command === 0xd ? 0x40 : command === 0xe ? 0x20 : 0x00;
        break;
      default:
        throw new FormatError(`RLE data holds an unknown command 0x${control.toString(16)} (corrupt file)`);
    }
    if (copy > 0) {
      if (i + copy > end) throw inputEnds('RLE');
      if (o + copy > want) throw overrun('RLE');
      if (copy > SHORT) output.set(input.subarray(i, i + copy), o);
      else for (let k = 0; k < copy; k++) output[o + k] = input[i + k] as number;
      i += copy;
      o += copy;
    } else {
      if (o + insert > want) throw overrun('RLE');
      if (insert > SHORT) output.fill(fill, o, o + insert);
      else for (let k = 0; k < insert; k++) output[o + k] = fill;
      o += insert;
    }
  }
  if (o !== want) throw wrongLength('RLE', o, want);
}

/**
 * RDC (Ross Data Compression): a 16-bit big-endian control word says, item by item, whether the
 * next item is a literal byte or a command (short/long run of one byte, short/long copy of
 * earlier output). Same algorithm as pandas' `rdc_decompress`, with bounds checks.
 *
 * Most of a row of numbers is literal bytes, so consecutive literals (the leading zero bits of
 * what is left of the control word) are copied as one run with one bounds check; runs of more
 * than `SHORT_FILL` bytes and copies that do not overlap their source go to `fill`/`copyWithin`.
 */
export function rdcDecompress(input: Uint8Array, start: number, end: number, output: Uint8Array): void {
  const want = output.length;
  let i = start;
  let o = 0;
  while (i < end) {
    // A lone trailing byte cannot start a control word: treat it as padding, the length check decides.
    if (i + 1 >= end) break;
    // The control word's bits, most significant first, shifted left as items are taken.
    let bits = ((input[i] as number) << 8) | (input[i + 1] as number);
    let left = 16;
    i += 2;
    while (left > 0 && i < end) {
      if ((bits & 0x8000) === 0) {
        // Leading zero bits of the 16-bit word: that many literal bytes (all that is left when bits is 0).
        let n = Math.min(left, Math.clz32(bits) - 16, end - i);
        if (o + n > want) throw overrun('RDC');
        left -= n;
        bits = (bits << n) & 0xffff;
        while (n-- > 0) output[o++] = input[i++] as number;
        continue;
      }
      bits = (bits << 1) & 0xffff;
      left--;
      const command = (input[i] as number) >> 4;
      let count = (input[i] as number) & 0x0f;
      i++;
      if (command === 0 || command === 1) {
        if (command === 1) {
          if (i >= end) throw inputEnds('RDC');
          count += ((input[i++] as number) << 4) + 19;
        } else {
          count += 3;
        }
        if (i >= end) throw inputEnds('RDC');
        const fill = input[i++] as number;
        if (o + count > want) throw overrun('RDC');
        if (count > SHORT_FILL) output.fill(fill, o, o + count);
        else for (let k = 0; k < count; k++) output[o + k] = fill;
        o += count;
        continue;
      }
      if (i >= end) throw inputEnds('RDC');
      const offset = count + 3 + ((input[i++] as number) << 4);
      let length = command;
      if (command === 2) {
        if (i >= end) throw inputEnds('RDC');
        length = (input[i++] as number) + 16;
      }
      if (offset > o) throw new FormatError('RDC data refers back before the start of the row (corrupt file)');
      if (o + length > want) throw overrun('RDC');
      if (length > SHORT_FILL && offset >= length) {
        output.copyWithin(o, o - offset, o - offset + length);
        o += length;
        continue;
      }
      // Byte by byte: a copy may overlap its own output (a repeating pattern).
      for (let k = 0; k < length; k++) {
        output[o] = output[o - offset] as number;
        o++;
      }
    }
  }
  if (o !== want) throw wrongLength('RDC', o, want);
}
