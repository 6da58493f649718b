/**
 * COMPRESS=CHAR (RLE) for the writer. Readers disagree on a few commands (pandas 1.5 knows no
 * 0x1–0x3 or 0x5 command and rejects a non-zero length nibble on 0x0; ReadStat and pandas read
 * the nibble of 0x4 differently), so this only emits commands every reader decodes alike:
 * 0x0 (nibble 0), 0x4 (nibble 0), 0x6/0x7, 0x8–0xF. Longer runs are split.
 */

const BLANK = 0x20;
const ZERO = 0x00;
const AT = 0x40;
const MAX_COPY = 64 + 255;
const MAX_LONG_FILL = 17 + 15 * 256 + 255;
const MAX_BYTE_FILL = 18 + 255;

/** Worst case output size for `length` input bytes (every 319-byte copy costs 2 extra bytes). */
export function rleBound(length: number): number {
  return length + 2 * Math.ceil(length / MAX_COPY) + 16;
}

/** Compresses `input[start, end)` into `out` (at least `rleBound` long); returns the bytes written. */
export function rleCompress(input: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let o = 0;
  let literal = start;
  let i = start;
  while (i < end) {
    const byte = input[i] as number;
    let run = 1;
    while (i + run < end && input[i + run] === byte) run++;
    const cheap = byte === BLANK || byte === ZERO || byte === AT;
    if (run >= (cheap ? 2 : 3)) {
      o = copy(input, literal, i, out, o);
      o = fill(byte, run, out, o);
      i += run;
      literal = i;
    } else {
      i += run;
    }
  }
  return copy(input, literal, end, out, o);
}

function copy(input: Uint8Array, from: number, to: number, out: Uint8Array, at: number): number {
  let o = at;
  let i = from;
  while (i < to) {
    const n = Math.min(to - i, MAX_COPY);
    if (n > 64) {
      out[o++] = 0x00;
      out[o++] = n - 64;
    } else {
      // Copy1, Copy17, Copy33, Copy49: command 8..11 and the remainder in the low nibble.
      const band = Math.floor((n - 1) / 16);
      out[o++] = ((0x8 + band) << 4) | (n - 1 - band * 16);
    }
    out.set(input.subarray(i, i + n), o);
    o += n;
    i += n;
  }
  return o;
}

function fill(byte: number, length: number, out: Uint8Array, at: number): number {
  let o = at;
  let left = length;
  while (left > 0) {
    if (byte === BLANK || byte === ZERO) {
      if (left <= 17) {
        if (left === 1) return copyOne(byte, out, o);
        out[o++] = ((byte === BLANK ? 0xe : 0xf) << 4) | (left - 2);
        return o;
      }
      const n = Math.min(left, MAX_LONG_FILL);
      const extra = n - 17;
      out[o++] = ((byte === BLANK ? 0x6 : 0x7) << 4) | (extra >> 8);
      out[o++] = extra & 0xff;
      left -= n;
      continue;
    }
    if (byte === AT && left >= 2 && left <= 17) {
      out[o++] = (0xd << 4) | (left - 2);
      return o;
    }
    if (left < 3) {
      for (let k = 0; k < left; k++) o = copyOne(byte, out, o);
      return o;
    }
    if (left <= 18) {
      out[o++] = (0xc << 4) | (left - 3);
      out[o++] = byte;
      return o;
    }
    const n = Math.min(left, MAX_BYTE_FILL);
    out[o++] = 0x40;
    out[o++] = n - 18;
    out[o++] = byte;
    left -= n;
  }
  return o;
}

function copyOne(byte: number, out: Uint8Array, at: number): number {
  out[at] = 0x80;
  out[at + 1] = byte;
  return at + 2;
}
