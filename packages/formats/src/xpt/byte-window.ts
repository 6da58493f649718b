import type { PositionalReader } from '../byte-source.ts';

/** A read of the bytes after the window, started before anyone asked for them. */
interface ReadAhead {
  /** File offset of `buffer[0]`. */
  pos: number;
  buffer: Buffer;
  /** Bytes of `buffer` read (and not yet taken), once `done` settles. */
  length: number;
  done: Promise<void>;
}

/**
 * A sliding window over a file: callers ask for a byte range, the window reads forward in large
 * chunks and forgets what lies behind the range. Memory stays at one chunk (or one observation,
 * when an observation is larger) plus one chunk read ahead, whatever the file size.
 *
 * Each `ensure` that leaves part of the file unread starts reading the next chunk on libuv's pool
 * (issue 17): the caller decodes the window while the disk (or the page cache) fills the next one,
 * instead of waiting for every read.
 */
export class ByteWindow {
  /** Bytes of the file from `start` to `end`; read `bytes[pos - start]` for file offset `pos`. */
  bytes: Buffer;
  start = 0;
  end = 0;
  private ahead: ReadAhead | undefined;
  private spare: Buffer | undefined;

  constructor(
    private readonly file: PositionalReader & { readonly whole?: Buffer },
    readonly fileSize: number,
    private readonly chunkSize: number,
  ) {
    // A source already whole in memory (a ZIP member inflated in one call) is the window itself:
    // copying it chunk by chunk cost an SDTM transfer a second copy of every member, and V8 a full
    // collection now and then for the buffers (issue 17, x17f). Nothing here writes into `bytes`
    // while the whole file is in it.
    const whole = file.whole;
    if (whole && whole.length === fileSize) {
      this.bytes = whole;
      this.end = fileSize;
      return;
    }
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
    await this.takeReadAhead(fillEnd);
    while (this.end < fillEnd) {
      const { bytesRead } = await this.file.read(this.bytes, this.end - this.start, fillEnd - this.end, this.end);
      if (bytesRead === 0) break; // the file shrank under us: callers see fewer bytes than asked
      this.end += bytesRead;
    }
    this.readAhead();
    return Math.max(0, Math.min(wantedEnd, this.end) - pos);
  }

  /** The byte at file offset `pos` (which must be inside the window). */
  at(pos: number): number {
    return this.bytes[pos - this.start] as number;
  }

  /** Waits for a read under way (before the file is closed). */
  async settle(): Promise<void> {
    await this.ahead?.done.catch(() => undefined);
  }

  /** Moves what the read ahead brought (up to `fillEnd`) into the window; drops a read that no longer fits. */
  private async takeReadAhead(fillEnd: number): Promise<void> {
    const ahead = this.ahead;
    if (!ahead) return;
    await ahead.done;
    if (ahead.pos !== this.end) {
      // The caller jumped: the bytes read ahead are not the ones wanted now.
      this.release(ahead);
      return;
    }
    const take = Math.min(ahead.length, fillEnd - this.end);
    ahead.buffer.copy(this.bytes, this.end - this.start, 0, take);
    this.end += take;
    if (take === ahead.length) {
      this.release(ahead);
      return;
    }
    // The window was smaller than the read: keep the rest for the next call.
    ahead.buffer.copy(ahead.buffer, 0, take, ahead.length);
    ahead.pos += take;
    ahead.length -= take;
  }

  private release(ahead: ReadAhead): void {
    this.ahead = undefined;
    this.spare = ahead.buffer;
  }

  /** Starts reading the chunk after the window, unless the file is all read or a read is under way. */
  private readAhead(): void {
    if (this.ahead || this.end >= this.fileSize) return;
    const size = Math.min(this.chunkSize, this.fileSize - this.end);
    const buffer = this.spare && this.spare.length >= size ? this.spare : Buffer.allocUnsafe(this.chunkSize);
    this.spare = undefined;
    const ahead: ReadAhead = { pos: this.end, buffer, length: 0, done: Promise.resolve() };
    ahead.done = (async () => {
      let at = 0;
      while (at < size) {
        const { bytesRead } = await this.file.read(buffer, at, size - at, ahead.pos + at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      ahead.length = at;
    })();
    // A failed read is reported to the caller that takes it; until then it must not go unhandled.
    ahead.done.catch(() => undefined);
    this.ahead = ahead;
  }
}
