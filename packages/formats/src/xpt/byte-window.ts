import type { FileHandle } from 'node:fs/promises';

/**
 * A sliding window over a file: callers ask for a byte range, the window reads forward in large
 * chunks and forgets what lies behind the range. Memory stays at one chunk (or one observation,
 * when an observation is larger) whatever the file size.
 */
export class ByteWindow {
  /** Bytes of the file from `start` to `end`; read `bytes[pos - start]` for file offset `pos`. */
  bytes: Buffer;
  start = 0;
  end = 0;

  constructor(
    private readonly file: FileHandle,
    readonly fileSize: number,
    chunkSize: number,
  ) {
    this.bytes = Buffer.allocUnsafe(Math.min(chunkSize, Math.max(fileSize, 1)));
  }

  /**
   * Makes `[pos, pos + length)` addressable, or as much of it as the file holds. Bytes before
   * `pos` may be dropped. Returns how many of the wanted bytes are available.
   */
  async ensure(pos: number, length: number): Promise<number> {
    const wantedEnd = Math.min(pos + length, this.fileSize);
    if (pos >= this.start && wantedEnd <= this.end) return wantedEnd - pos;
    if (pos < this.start || pos > this.end) {
      // Jumping (never backwards in practice): start afresh at pos.
      this.start = pos;
      this.end = pos;
    } else if (pos > this.start) {
      this.bytes.copy(this.bytes, 0, pos - this.start, this.end - this.start);
      this.start = pos;
    }
    const needed = wantedEnd - this.start;
    if (needed > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.end - this.start);
      this.bytes = grown;
    }
    // Fill the whole buffer when the file allows: fewer, larger reads.
    const fillEnd = Math.min(this.start + this.bytes.length, this.fileSize);
    while (this.end < fillEnd) {
      const { bytesRead } = await this.file.read(this.bytes, this.end - this.start, fillEnd - this.end, this.end);
      if (bytesRead === 0) break; // the file shrank under us: callers see fewer bytes than asked
      this.end += bytesRead;
    }
    return Math.max(0, Math.min(wantedEnd, this.end) - pos);
  }

  /** The byte at file offset `pos` (which must be inside the window). */
  at(pos: number): number {
    return this.bytes[pos - this.start] as number;
  }
}
