import type { Readable } from 'node:stream';
import type { Entry, ZipFile } from 'yauzl';
import type { ByteSource } from '../byte-source.ts';
import { FormatError } from '../errors.ts';

const EMPTY = Buffer.alloc(0);

/**
 * A ZIP member read as it inflates (issue 17): nothing of it reaches the disk, and only the chunk
 * being read (zlib's 16 KiB) is held. Reads go forward; a read before the current position
 * inflates again from the start (the SAS7BDAT reader's second pass does that once, deliberately).
 * yauzl checks the inflated bytes against the declared size as they come, so `size` can be
 * trusted: a member that inflates to more or fewer bytes fails as damaged.
 */
export class InflatingMemberSource implements ByteSource {
  readonly sequential = true;
  private stream: Readable | undefined;
  private chunks: AsyncIterator<Buffer> | undefined;
  private chunk: Buffer = EMPTY;
  private chunkAt = 0;
  /** Member offset of `chunk[chunkAt]`. */
  private pos = 0;
  private ended = false;
  /** Reads one at a time, whoever asks (ByteWindow's read ahead and its caller never overlap, but nothing relies on it). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly zip: ZipFile,
    private readonly entry: Entry,
    readonly size: number,
    private readonly label: string,
  ) {}

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    const next = this.queue.then(() => this.readNow(buffer, offset, length, position));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.queue;
    this.stream?.destroy();
    this.stream = undefined;
    this.chunks = undefined;
  }

  private async readNow(buffer: Buffer, offset: number, length: number, position: number) {
    if (position < this.pos) await this.restart();
    let done = 0;
    while (done < length) {
      if (this.chunkAt >= this.chunk.length && !(await this.nextChunk())) break;
      const available = this.chunk.length - this.chunkAt;
      if (this.pos < position) {
        const skip = Math.min(available, position - this.pos);
        this.chunkAt += skip;
        this.pos += skip;
        continue;
      }
      const take = Math.min(available, length - done);
      this.chunk.copy(buffer, offset + done, this.chunkAt, this.chunkAt + take);
      this.chunkAt += take;
      this.pos += take;
      done += take;
    }
    return { bytesRead: done };
  }

  private async nextChunk(): Promise<boolean> {
    if (this.ended) return false;
    try {
      if (!this.chunks) {
        this.stream = await this.zip.openReadStreamPromise(this.entry);
        this.chunks = this.stream[Symbol.asyncIterator]();
      }
      const next = await this.chunks.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      this.chunk = next.value;
      this.chunkAt = 0;
      return true;
    } catch (error) {
      throw damaged(error, this.label);
    }
  }

  private async restart(): Promise<void> {
    this.stream?.destroy();
    this.stream = undefined;
    this.chunks = undefined;
    this.chunk = EMPTY;
    this.chunkAt = 0;
    this.pos = 0;
    this.ended = false;
  }
}

/**
 * A small member inflated into one buffer (at most `ZipReadOptions.wholeMemberBytes`): a reader
 * over it is a plain copy, and seeking is free. Never used above that size, so memory stays bounded.
 */
export class WholeMemberSource implements ByteSource {
  readonly sequential = false;

  private constructor(private bytes: Buffer) {}

  get size(): number {
    return this.bytes.length;
  }

  static async inflate(zip: ZipFile, entry: Entry, size: number, label: string): Promise<WholeMemberSource> {
    const bytes = Buffer.allocUnsafe(size);
    let at = 0;
    try {
      const stream = await zip.openReadStreamPromise(entry);
      // yauzl refuses more bytes than declared before they arrive here, and fewer at the end.
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        chunk.copy(bytes, at);
        at += chunk.length;
      }
    } catch (error) {
      throw damaged(error, label);
    }
    return new WholeMemberSource(at === size ? bytes : bytes.subarray(0, at));
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    if (position >= this.bytes.length) return { bytesRead: 0 };
    return { bytesRead: this.bytes.copy(buffer, offset, position, Math.min(position + length, this.bytes.length)) };
  }

  async close(): Promise<void> {
    this.bytes = EMPTY;
  }
}

/** zlib's or yauzl's complaint about a member's bytes, as the extraction told it. */
export function damaged(error: unknown, label: string): Error {
  if (error instanceof FormatError) return error;
  if (error instanceof Error && typeof (error as { syscall?: unknown }).syscall === 'string') return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new FormatError(`the entry is damaged (${detail}); truncated or corrupt upload?`, { file: label });
}
