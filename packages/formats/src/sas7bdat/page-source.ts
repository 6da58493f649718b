import type { PositionalReader } from '../byte-source.ts';
import { FormatError } from '../errors.ts';

/** About 1 MiB per read: few syscalls, bounded memory whatever the file size. */
const READ_CHUNK_BYTES = 1 << 20;

/**
 * Reads fixed-size pages through a FileHandle, one at a time or in sequential runs of several
 * pages per read. A page buffer is only valid until the next read: callers decode it first.
 */
export class PageSource {
  private readonly chunk: Buffer;
  private readonly pagesPerChunk: number;

  constructor(
    private readonly file: PositionalReader,
    private readonly headerSize: number,
    readonly pageSize: number,
    readonly pageCount: number,
  ) {
    this.pagesPerChunk = Math.max(1, Math.min(pageCount, Math.floor(READ_CHUNK_BYTES / pageSize)));
    this.chunk = Buffer.allocUnsafe(this.pagesPerChunk * pageSize);
  }

  /** Byte offset of a page in the file (for error messages). */
  offsetOf(index: number): number {
    return this.headerSize + index * this.pageSize;
  }

  /** Runs `read` on a page, placing an unlocated FormatError at the page ("page 3: ..."). */
  located<T>(index: number, read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (error instanceof FormatError && error.location.offset === undefined && error.location.row === undefined) {
        throw new FormatError(`page ${(index + 1).toLocaleString('en-US')}: ${error.reason}`, {
          ...error.location,
          offset: this.offsetOf(index),
        });
      }
      throw error;
    }
  }

  async page(index: number): Promise<Buffer> {
    const page = this.chunk.subarray(0, this.pageSize);
    await this.readFully(page, index);
    return page;
  }

  /** Pages `from`, `from + 1`, ... in order; stop early by breaking out of the loop. */
  async *pages(from = 0): AsyncGenerator<{ index: number; page: Buffer }> {
    for (let first = from; first < this.pageCount; first += this.pagesPerChunk) {
      const count = Math.min(this.pagesPerChunk, this.pageCount - first);
      const run = this.chunk.subarray(0, count * this.pageSize);
      await this.readFully(run, first);
      for (let i = 0; i < count; i++) {
        yield { index: first + i, page: run.subarray(i * this.pageSize, (i + 1) * this.pageSize) };
      }
    }
  }

  private async readFully(target: Buffer, firstPage: number): Promise<void> {
    const position = this.offsetOf(firstPage);
    let done = 0;
    while (done < target.length) {
      const { bytesRead } = await this.file.read(target, done, target.length - done, position + done);
      if (bytesRead === 0) {
        const page = firstPage + Math.floor(done / this.pageSize);
        throw new FormatError(
          `page ${(page + 1).toLocaleString('en-US')} is truncated (file ends early — incomplete upload?)`,
          { offset: position + done },
        );
      }
      done += bytesRead;
    }
  }
}
