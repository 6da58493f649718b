import type { FileHandle } from 'node:fs/promises';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { constants, createInflateRaw, inflateRawSync } from 'node:zlib';
import type { ByteSource } from '../byte-source.ts';
import { FormatError } from '../errors.ts';

const EMPTY = Buffer.alloc(0);
/** Compressed bytes read from the archive per call. */
const COMPRESSED_CHUNK = 1024 * 1024;
/**
 * Inflated bytes per chunk zlib hands over (its default is 16 KiB). Each chunk passes three stream
 * stages: 256 KiB chunks inflated the demo study's 64 MB LB in 34-35 ms of CPU against 44 ms at
 * 64 KiB (1 MiB read from the archive at a time; issue 17).
 */
const INFLATE_CHUNK = 256 * 1024;

/**
 * Where a member's bytes lie in its archive. Members are read with our own positional reads and
 * zlib, not yauzl's read streams: destroying one of those while another member's read waits in
 * its shared queue crashes the process (yauzl 3.4's fd-slicer reads a closed context), and
 * format detection stops every member's stream after its first bytes.
 */
export interface MemberLocation {
  /** The archive, open for the archive's lifetime. */
  file: FileHandle;
  /** Offset of the member's (compressed) data in the archive. */
  dataStart: number;
  compressedSize: number;
  /** Declared inflated size; reads are held to it. */
  size: number;
  deflated: boolean;
  /** `upload.zip/sdtm/dm.xpt`. */
  label: string;
}

/**
 * The member's bytes as they inflate, held to the declared size: more fails as soon as it
 * arrives, fewer at the end, both as a damaged entry. Only a chunk at a time is in memory.
 */
export function memberStream(member: MemberLocation): Readable {
  const compressed = Readable.from(compressedChunks(member), { objectMode: false });
  const counted = new SizeCheck(member.size, member.label);
  if (!member.deflated) return pipeline(compressed, counted, () => undefined);
  return pipeline(compressed, createInflateRaw({ chunkSize: INFLATE_CHUNK }), counted, () => undefined);
}

async function* compressedChunks(member: MemberLocation): AsyncGenerator<Buffer> {
  const end = member.dataStart + member.compressedSize;
  for (let at = member.dataStart; at < end; ) {
    const buffer = Buffer.allocUnsafe(Math.min(COMPRESSED_CHUNK, end - at));
    const { bytesRead } = await member.file.read(buffer, 0, buffer.length, at);
    if (bytesRead === 0) throw new Error('the archive ends inside the entry');
    at += bytesRead;
    yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
  }
}

class SizeCheck extends Transform {
  private seen = 0;

  constructor(
    private readonly expected: number,
    private readonly label: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.expected) {
      done(damaged(new Error(`too many bytes in the entry: it declares ${this.expected}`), this.label));
    } else {
      done(null, chunk);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.seen < this.expected) {
      done(
        damaged(
          new Error(`not enough bytes in the entry: ${this.seen} of the ${this.expected} it declares`),
          this.label,
        ),
      );
    } else {
      done();
    }
  }
}

/**
 * Compressed bytes a member's first bytes are inflated from at once (`memberHead`): at most about
 * 2 MiB inflated (deflate's ratio is at most 1,032:1), and for XPT and SAS7BDAT members, whose
 * headers are runs of blanks and zeros, far more than the 4 KiB format detection reads.
 */
const HEAD_COMPRESSED_BYTES = 2048;

/**
 * The member's first `length` bytes (fewer when it is shorter), for format detection. A deflated
 * member's first compressed bytes are inflated in one call on this thread: an upload asks this of
 * every member before any converts, and a stream per member (a read, zlib on libuv's pool, three
 * stream stages, a 256 KiB chunk) cost the pilot SDTM ZIP's 19 members ~17 ms of CPU before its
 * first member could start (issue 17). Data that inflates to less than `length` from that prefix
 * (incompressible content) is read as it inflates instead.
 */
export async function memberHead(member: MemberLocation, length: number): Promise<Buffer> {
  const wanted = Math.min(length, member.size);
  const prefix = Math.min(member.compressedSize, member.deflated ? HEAD_COMPRESSED_BYTES : wanted);
  const first = Buffer.allocUnsafe(prefix);
  const { bytesRead } = await member.file.read(first, 0, prefix, member.dataStart);
  if (!member.deflated) return first.subarray(0, bytesRead);
  let inflated: Buffer;
  try {
    // A sync flush inflates what the prefix holds instead of failing at its cut-off end.
    inflated = inflateRawSync(first.subarray(0, bytesRead), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (error) {
    throw damaged(error, member.label);
  }
  if (inflated.length >= wanted || prefix === member.compressedSize) return inflated.subarray(0, wanted);
  const source = new InflatingMemberSource(member);
  try {
    const buffer = Buffer.alloc(wanted);
    const read = await source.read(buffer, 0, wanted, 0);
    return buffer.subarray(0, read.bytesRead);
  } finally {
    await source.close();
  }
}

/**
 * A ZIP member read as it inflates (issue 17): nothing of it reaches the disk, and only a chunk
 * (64 KiB inflated, 256 KiB compressed) is held. Reads go forward; a read before the current
 * position inflates again from the start (the SAS7BDAT reader's second pass does that once,
 * deliberately, having read only the first pages in its first).
 */
export class InflatingMemberSource implements ByteSource {
  readonly sequential = true;
  readonly size: number;
  private stream: Readable | undefined;
  private chunks: AsyncIterator<Buffer> | undefined;
  private chunk: Buffer = EMPTY;
  private chunkAt = 0;
  /** Member offset of `chunk[chunkAt]`. */
  private pos = 0;
  private ended = false;
  /** Reads one at a time, whoever asks. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly member: MemberLocation) {
    this.size = member.size;
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    const next = this.queue.then(() => this.readNow(buffer, offset, length, position));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.queue;
    this.restart();
  }

  private async readNow(buffer: Buffer, offset: number, length: number, position: number) {
    if (position < this.pos) this.restart();
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
    if (!this.chunks) {
      this.stream = memberStream(this.member);
      this.chunks = this.stream[Symbol.asyncIterator]();
    }
    let next: IteratorResult<Buffer>;
    try {
      next = await this.chunks.next();
    } catch (error) {
      throw damaged(error, this.member.label);
    }
    if (next.done) {
      this.ended = true;
      return false;
    }
    this.chunk = next.value;
    this.chunkAt = 0;
    return true;
  }

  private restart(): void {
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
 * A member read by position, without inflating: a stored member (its bytes are the archive's), or
 * a small one inflated into one buffer (at most `ZipReadOptions.wholeMemberBytes`). Seeking is free.
 */
export class BufferedMemberSource implements ByteSource {
  readonly sequential = false;

  private constructor(
    readonly size: number,
    private readonly readAt: (buffer: Buffer, offset: number, length: number, position: number) => Promise<number>,
    private release: () => void = () => undefined,
    /** The member's bytes, when inflated whole (`ByteSource.whole`). */
    private held?: Buffer,
  ) {}

  get whole(): Buffer | undefined {
    return this.held;
  }

  /** A stored member: reads go to the archive, clamped to the member. */
  static stored(member: MemberLocation): BufferedMemberSource {
    return new BufferedMemberSource(member.size, async (buffer, offset, length, position) => {
      const wanted = Math.min(length, member.size - position);
      if (wanted <= 0) return 0;
      const { bytesRead } = await member.file.read(buffer, offset, wanted, member.dataStart + position);
      return bytesRead;
    });
  }

  /** A deflated member inflated whole on this thread (`inflateWhole`), refusing more bytes than it declares. */
  static async inflated(member: MemberLocation): Promise<BufferedMemberSource> {
    let bytes: Buffer;
    try {
      const compressed = Buffer.allocUnsafe(member.compressedSize);
      const { bytesRead } = await member.file.read(compressed, 0, compressed.length, member.dataStart);
      if (bytesRead < compressed.length) throw new Error('the archive ends inside the entry');
      bytes = inflateWhole(compressed, member.size);
    } catch (error) {
      throw damaged(error, member.label);
    }
    if (bytes.length !== member.size) {
      throw damaged(
        new Error(`not enough bytes in the entry: ${bytes.length} of the ${member.size} it declares`),
        member.label,
      );
    }
    let held: Buffer = bytes;
    const source: BufferedMemberSource = new BufferedMemberSource(
      member.size,
      async (buffer, offset, length, position) => {
        if (position >= held.length) return 0;
        return held.copy(buffer, offset, position, Math.min(position + length, held.length));
      },
      () => {
        held = EMPTY;
        source.held = undefined;
      },
      bytes,
    );
    return source;
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    return { bytesRead: await this.readAt(buffer, offset, length, position) };
  }

  async close(): Promise<void> {
    this.release();
    this.release = () => undefined;
  }
}

/**
 * A small member's bytes inflated in one call on this thread, into one buffer of its declared size
 * (more fails as too many bytes). Not zlib's asynchronous call: that builds a stream per member,
 * hands each 16 KiB of output back through a callback on libuv's pool and joins the pieces at
 * the end, while the member's reader waits for it anyway. Measured on the pilot SDTM ZIP, every
 * member on one thread, 30 conversions each alternating in one process (load 31): 128 ms of CPU a
 * conversion against 149 (issue 17, x17z); a 1 MiB member inflates in about a millisecond.
 */
function inflateWhole(compressed: Buffer, size: number): Buffer {
  try {
    return inflateRawSync(compressed, { maxOutputLength: Math.max(1, size), chunkSize: Math.max(64, size + 64) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`too many bytes in the entry: it declares ${size}`);
    }
    throw error;
  }
}

/** zlib's or the archive's complaint about a member's bytes, as the extraction told it. */
export function damaged(error: unknown, label: string): Error {
  if (error instanceof FormatError) return error;
  if (error instanceof Error && typeof (error as { syscall?: unknown }).syscall === 'string') return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new FormatError(`the entry is damaged (${detail}); truncated or corrupt upload?`, { file: label });
}
