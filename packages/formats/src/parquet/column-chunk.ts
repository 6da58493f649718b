import type { DuckDBDataChunk } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048;

/** DuckDB's `string_t`: a 4-byte length, then 12 bytes that hold the whole text when it fits. */
const STRING_SLOT = 16;
const INLINE_BYTES = 12;

/**
 * Fills DuckDB data chunks from our column batches with one memory copy per column wherever the
 * layout allows, instead of one call into the binding per cell (the public vector API's `setItem`
 * plus `flush` spent more time than the XPT reader itself). Numbers go in as one copy of the
 * batch's `Float64Array`; text that fits DuckDB's inline `string_t` (12 UTF-8 bytes: most SDTM
 * codes, flags, dates as text and subject ids) is laid out in JavaScript and copied in one call;
 * only longer text is handed to DuckDB one value at a time, as bytes (so an embedded NUL survives).
 * Missing values are one validity bitmask per column.
 */
export class ColumnChunkWriter {
  private readonly slots = new Uint8Array(CHUNK_ROWS * STRING_SLOT);
  private readonly slotView = new DataView(this.slots.buffer);
  private readonly validity = new Uint8Array(CHUNK_ROWS / 8);
  private readonly scratch = new Uint8Array(64 * 1024);
  private readonly encoder = new TextEncoder();

  /** Copies `size` numbers from `start`; `NaN` (and the infinities SAS cannot hold) become NULL. */
  setDoubles(chunk: DuckDBDataChunk, column: number, values: Float64Array, start: number, size: number): void {
    const vector = duckdb.data_chunk_get_vector(chunk.chunk, column);
    duckdb.copy_data_to_vector(vector, 0, values.buffer as ArrayBuffer, values.byteOffset + start * 8, size * 8);
    let missing = false;
    for (let i = 0; i < size; i++) {
      if (!Number.isFinite(values[start + i] as number)) {
        missing = true;
        break;
      }
    }
    if (!missing) return;
    const validity = this.validity;
    validity.fill(0xff);
    for (let i = 0; i < size; i++) {
      if (!Number.isFinite(values[start + i] as number))
        validity[i >> 3] = (validity[i >> 3] as number) & ~(1 << (i & 7));
    }
    this.copyValidity(vector, size);
  }

  /** Copies `size` texts from `start`; `null` becomes NULL. */
  setStrings(
    chunk: DuckDBDataChunk,
    column: number,
    values: readonly (string | null)[],
    start: number,
    size: number,
  ): void {
    const vector = duckdb.data_chunk_get_vector(chunk.chunk, column);
    const { slots, slotView, validity } = this;
    slots.fill(0, 0, size * STRING_SLOT);
    let missing = false;
    const long: number[] = [];
    for (let i = 0; i < size; i++) {
      const value = values[start + i];
      if (value === null || value === undefined) {
        if (!missing) {
          missing = true;
          validity.fill(0xff);
        }
        validity[i >> 3] = (validity[i >> 3] as number) & ~(1 << (i & 7));
        continue;
      }
      const bytes = value.length <= INLINE_BYTES ? this.inline(value, i * STRING_SLOT) : -1;
      if (bytes >= 0) slotView.setUint32(i * STRING_SLOT, bytes, true);
      else long.push(i);
    }
    duckdb.copy_data_to_vector(vector, 0, slots.buffer, 0, size * STRING_SLOT);
    for (const i of long) duckdb.vector_assign_string_element_len(vector, i, this.encode(values[start + i] as string));
    if (missing) this.copyValidity(vector, size);
  }

  /**
   * Writes `value` into the inline part of the slot at `offset` and returns its UTF-8 length, or -1
   * when it needs more than 12 bytes.
   */
  private inline(value: string, offset: number): number {
    const slots = this.slots;
    const n = value.length;
    for (let j = 0; j < n; j++) {
      const code = value.charCodeAt(j);
      if (code > 0x7f) {
        const bytes = this.encode(value);
        if (bytes.length > INLINE_BYTES) return -1;
        slots.set(bytes, offset + 4);
        return bytes.length;
      }
      slots[offset + 4 + j] = code;
    }
    return n;
  }

  /** The UTF-8 bytes of `value`, in a scratch buffer valid until the next call. */
  private encode(value: string): Uint8Array {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const target = value.length * 3 <= this.scratch.length ? this.scratch : new Uint8Array(value.length * 3);
    const { written } = this.encoder.encodeInto(value, target);
    return target.subarray(0, written);
  }

  private copyValidity(vector: duckdb.Vector, size: number): void {
    duckdb.vector_ensure_validity_writable(vector);
    // The validity mask is 64-bit words; bytes of a little-endian word are in bit order.
    const bytes = Math.ceil(size / 64) * 8;
    duckdb.copy_data_to_vector_validity(vector, 0, this.validity.buffer, 0, bytes);
  }
}
