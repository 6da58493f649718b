/**
 * COMPRESS=BINARY (Ross Data Compression) for the writer, the inverse of `rdcDecompress`
 * (decompress.ts): a 16-bit big-endian control word, most significant bit first, says for each
 * of the next 16 items whether it is a literal byte (0) or a command (1). Commands: a run of one
 * byte (3–18 bytes in 2 bytes, 19–4,114 in 3) or a copy of earlier bytes of the same row
 * (3–15 bytes in 2, 16–271 in 3) from 3–4,098 bytes back. Rows are compressed one by one, so a
 * copy never reaches into another row. A control word is only written when an item follows it
 * (pandas reads an item after every control word it meets).
 */

const MIN_RUN = 3;
const MAX_SHORT_RUN = 18;
const MAX_LONG_RUN = 19 + 15 + (255 << 4);
const MIN_COPY = 3;
const MAX_SHORT_COPY = 15;
const MAX_LONG_COPY = 271;
const MIN_OFFSET = 3;
const MAX_OFFSET = 3 + 15 + (255 << 4);
const HASH_BITS = 12;

/** Worst case output size for `length` input bytes: every byte a literal, a control word per 16. */
export function rdcBound(length: number): number {
  return length + 2 * Math.ceil(length / 16);
}

/**
 * A compressor that keeps its match table between rows (entries of earlier rows are told apart by
 * a stamp, so no table is cleared per row). Greedy: a run if the next 3 bytes are one byte, else
 * the longest match at the last position with the same 3 bytes, else a literal.
 */
export class RdcCompressor {
  private readonly head = new Int32Array(1 << HASH_BITS);
  private readonly stamps = new Int32Array(1 << HASH_BITS);
  private stamp = 0;

  /** Compresses `input[start, end)` into `out` (at least `rdcBound` long); returns the bytes written. */
  compress(input: Uint8Array, start: number, end: number, out: Uint8Array): number {
    this.stamp++;
    if (this.stamp === 0x3fffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
    const { head, stamps, stamp } = this;
    let o = 0;
    let controlAt = -1;
    let control = 0;
    let bit = 0;
    let i = start;
    while (i < end) {
      // The next item's control bit: a new control word every 16 items.
      if (bit === 0) {
        if (controlAt >= 0) {
          out[controlAt] = control >> 8;
          out[controlAt + 1] = control & 0xff;
        }
        controlAt = o;
        o += 2;
        control = 0;
        bit = 0x8000;
      }
      const byte = input[i] as number;
      let run = 1;
      while (i + run < end && run < MAX_LONG_RUN && input[i + run] === byte) run++;
      if (run >= MIN_RUN) {
        control |= bit;
        if (run <= MAX_SHORT_RUN) {
          out[o++] = run - MIN_RUN;
        } else {
          const extra = run - 19;
          out[o++] = 0x10 | (extra & 0x0f);
          out[o++] = extra >> 4;
        }
        out[o++] = byte;
        i += run;
        bit >>>= 1;
        continue;
      }
      let length = 0;
      let offset = 0;
      if (i + MIN_COPY <= end) {
        const hash =
          ((byte << 8) ^ ((input[i + 1] as number) << 4) ^ (input[i + 2] as number)) & ((1 << HASH_BITS) - 1);
        if (stamps[hash] === stamp) {
          const candidate = head[hash] as number;
          offset = i - candidate;
          if (offset >= MIN_OFFSET && offset <= MAX_OFFSET) {
            // Bytes may overlap the copy's own output: the decoder copies byte by byte.
            while (i + length < end && length < MAX_LONG_COPY && input[candidate + length] === input[i + length]) {
              length++;
            }
          }
        }
        head[hash] = i;
        stamps[hash] = stamp;
      }
      if (length >= MIN_COPY) {
        control |= bit;
        const back = offset - MIN_OFFSET;
        if (length <= MAX_SHORT_COPY) {
          out[o++] = (length << 4) | (back & 0x0f);
          out[o++] = back >> 4;
        } else {
          out[o++] = 0x20 | (back & 0x0f);
          out[o++] = back >> 4;
          out[o++] = length - 16;
        }
        i += length;
      } else {
        out[o++] = byte;
        i++;
      }
      bit >>>= 1;
    }
    if (controlAt >= 0) {
      out[controlAt] = control >> 8;
      out[controlAt + 1] = control & 0xff;
    }
    return o;
  }
}
