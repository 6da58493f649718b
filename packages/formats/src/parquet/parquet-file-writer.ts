import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { compress, compressSync } from 'snappy';
import type { FormatErrorLocation } from '../errors.ts';
import type { ColumnInfo, RowBatch, ValueType } from '../types.ts';
import { type ColumnBuilder, columnBuilder, type EncodedColumn } from './column-encoding.ts';
import { list, struct, type ThriftStruct, ThriftWriter } from './thrift-compact.ts';

/** Rows per row group: DuckDB's own default, so files read back with the same parallelism. */
export const ROW_GROUP_ROWS = 122_880;
/** Roughly what a row group may hold in memory before it is written (wide datasets get fewer rows). */
const ROW_GROUP_BYTES = 64 * 1024 ** 2;
/**
 * What one dataset being written may hold at most: the row group being built and the one being
 * compressed and written. An upload converts as many members at once as its memory limit holds.
 */
export const WRITER_BYTES = 2 * ROW_GROUP_BYTES;

const MAGIC = new TextEncoder().encode('PAR1');

// Parquet's enums (parquet.thrift).
const PHYSICAL: Record<ValueType, number> = {
  boolean: 0,
  date: 1, // INT32
  integer: 2, // INT64
  datetime: 2,
  time: 2,
  number: 5, // DOUBLE
  string: 6, // BYTE_ARRAY
};
const OPTIONAL = 1;
const REQUIRED = 0;
const ENCODING = { plain: 0, rle: 3, rleDictionary: 8 } as const;
const SNAPPY = 1;
const PAGE = { data: 0, dictionary: 2 } as const;
const CONVERTED_UTF8 = 0;
const CONVERTED_DATE = 6;

/** The logical type that makes DuckDB read the column as `DuckDB type` in round-trip-corpus.test.ts. */
function logicalType(type: ValueType): ThriftStruct | undefined {
  const micros = struct([2, struct()]);
  switch (type) {
    case 'string':
      return struct([1, struct()]);
    case 'date':
      return struct([6, struct()]);
    // Local time of day and local date-time (isAdjustedToUTC false): DuckDB's TIME and TIMESTAMP,
    // not their WITH TIME ZONE variants; SAS values carry no time zone.
    case 'time':
      return struct([7, struct([1, false], [2, micros])]);
    case 'datetime':
      return struct([8, struct([1, false], [2, micros])]);
    default:
      return undefined;
  }
}

/**
 * Where a row group lies in its file and what its footer entry says, as plain JSON: what a later
 * file needs to take the group's bytes as they are (`copyRowGroup`) and describe them in its own
 * footer. Chunk offsets are relative to the group's start, so the group can move.
 */
export interface RowGroupLayout {
  start: number;
  bytes: number;
  rows: number;
  uncompressed: number;
  chunks: ChunkLayout[];
}

export interface ChunkLayout {
  /** The data page's offset from the group's start. */
  data: number;
  /** The dictionary page's offset from the group's start, when there is one. */
  dictionary?: number;
  compressed: number;
  uncompressed: number;
  values: number;
  nulls: number;
  /** Statistics, base64. */
  min?: string;
  max?: string;
}

/**
 * A Parquet file written by us, for the flat schemas our readers produce: one OPTIONAL column per
 * dataset column, row groups of `ROW_GROUP_ROWS` rows, one dictionary page (text with fewer than
 * 65,536 distinct values per row group) and one data page per column chunk, snappy-compressed,
 * with min/max/null-count statistics and our key-value metadata. Encoding runs on the caller's
 * thread; compression (libuv's thread pool) and the file write of one row group run while the
 * caller reads the next, and at most one row group waits to be written.
 */
export class ParquetFileWriter {
  private readonly builders: ColumnBuilder[];
  private readonly groupRows: number;
  private pendingRows = 0;
  private rows = 0;
  private offset = MAGIC.length;
  private readonly groups: RowGroupLayout[] = [];
  private writing: Promise<void> = Promise.resolve();
  /** Where each column's pages are put together for compression, two row groups' worth. */
  private readonly pages = new PageBuffers();
  /** The file is written front to back, so its SHA-256 is taken on the way out, not by reading it again. */
  private readonly hash = createHash('sha256').update(MAGIC);
  /** Size and SHA-256 of the whole file, once `close` has returned. */
  digest: { bytes: number; sha256: string } | undefined;

  private constructor(
    private readonly handle: FileHandle,
    private readonly columns: ColumnInfo[],
    private readonly metadata: Record<string, string>,
    where: FormatErrorLocation,
  ) {
    this.groupRows = Math.max(256, Math.min(ROW_GROUP_ROWS, Math.floor(ROW_GROUP_BYTES / (16 * columns.length))));
    this.builders = columns.map((column) => columnBuilder(column.type, { ...where, column: column.name }));
  }

  static async create(
    file: string,
    columns: ColumnInfo[],
    metadata: Record<string, string>,
    where: FormatErrorLocation = {},
  ): Promise<ParquetFileWriter> {
    const handle = await open(file, 'w');
    await handle.write(MAGIC);
    return new ParquetFileWriter(handle, columns, metadata, where);
  }

  /** Adds a batch; a full row group is encoded now and written in the background. */
  async write(batch: RowBatch): Promise<void> {
    if (batch.length === 0) return;
    const firstRow = this.rows + this.pendingRows;
    for (let c = 0; c < this.builders.length; c++) {
      (this.builders[c] as ColumnBuilder).add(batch.columns[c] as RowBatch['columns'][number], batch.length, firstRow);
    }
    this.pendingRows += batch.length;
    if (this.pendingRows >= this.groupRows) await this.flush();
  }

  /** Writes what is left and the footer; returns the rows written. */
  async close(): Promise<number> {
    try {
      if (this.pendingRows > 0) await this.flush();
      await this.writing;
      const footer = ThriftWriter.encode(this.fileMetaData());
      const tail = new Uint8Array(footer.length + 8);
      tail.set(footer);
      new DataView(tail.buffer).setUint32(footer.length, footer.length, true);
      tail.set(MAGIC, footer.length + 4);
      await this.handle.write(tail, 0, tail.length, this.offset);
      this.hash.update(tail);
      this.digest = { bytes: this.offset + tail.length, sha256: this.hash.digest('hex') };
      return this.rows;
    } finally {
      await this.handle.close();
    }
  }

  /** Stops after a failure: waits for a write under way, then closes the file (the caller removes it). */
  async abort(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.handle.close().catch(() => undefined);
  }

  /** Ends the row group being built here (the caller chooses where groups start, e.g. at a subject). */
  async endRowGroup(): Promise<void> {
    if (this.pendingRows > 0) await this.flush();
  }

  /**
   * Appends a row group of another file written by this writer with the same columns, its bytes
   * as they are (no decoding, no compression): `group` is that file's `rowGroups` entry.
   */
  async copyRowGroup(source: FileHandle, group: RowGroupLayout): Promise<void> {
    if (group.chunks.length !== this.columns.length) {
      throw new Error(
        `a copied row group has ${group.chunks.length} columns where the file has ${this.columns.length}`,
      );
    }
    await this.endRowGroup();
    await this.writing;
    const bytes = Buffer.allocUnsafe(group.bytes);
    const { bytesRead } = await source.read(bytes, 0, group.bytes, group.start);
    if (bytesRead !== group.bytes)
      throw new Error(`a copied row group ends early (${bytesRead} of ${group.bytes} bytes)`);
    const start = this.offset;
    this.writing = this.handle.write(bytes, 0, bytes.length, start).then(() => undefined);
    this.writing.catch(() => undefined);
    this.hash.update(bytes);
    this.offset += group.bytes;
    this.rows += group.rows;
    this.groups.push({ ...group, start });
  }

  /** Where each row group lies, once `close` has returned (for a later `copyRowGroup`). */
  get rowGroups(): readonly RowGroupLayout[] {
    return this.groups;
  }

  private async flush(): Promise<void> {
    const rows = this.pendingRows;
    this.pendingRows = 0;
    this.rows += rows;
    // Encoding is ours (this thread); the compression of every page starts at once on the pool.
    const chunks = this.columns.map((column, c) => {
      const encoded = (this.builders[c] as ColumnBuilder).finish();
      const pages = this.compressPages(encoded, c);
      // Awaited in writeGroup; a later column's failure must not leave it unhandled meanwhile.
      pages.catch(() => undefined);
      return { column, encoded, pages };
    });
    this.pages.nextGroup();
    // One row group waits at most: the previous one is on disk before this one is queued.
    await this.writing;
    this.writing = this.writeGroup(chunks, rows);
    // Its failure (a full disk) surfaces at the next write or at close; keep it from going unhandled.
    this.writing.catch(() => undefined);
  }

  private async compressPages(
    encoded: EncodedColumn,
    column: number,
  ): Promise<{ dictionary?: Uint8Array[]; data: Uint8Array[] }> {
    // Copies taken before the first await: the builders reuse their buffers for the next row group.
    const data = this.pages.take(2 * column, encoded.levels.length + encoded.values.length);
    data.set(encoded.levels);
    data.set(encoded.values, encoded.levels.length);
    let words: Buffer | undefined;
    if (encoded.dictionary) {
      words = this.pages.take(2 * column + 1, encoded.dictionary.values.length);
      words.set(encoded.dictionary.values);
    }
    const [dataPage, dictionaryPage] = await Promise.all([squeeze(data), words ? squeeze(words) : undefined]);
    const header = (type: number, uncompressed: number, compressed: number, detail: [number, ThriftStruct]) =>
      ThriftWriter.encode(struct([1, type], [2, uncompressed], [3, compressed], detail));
    const pages: { dictionary?: Uint8Array[]; data: Uint8Array[] } = {
      data: [
        header(PAGE.data, data.length, dataPage.length, [
          5,
          struct(
            [1, encoded.rows],
            [2, encoded.dictionary ? ENCODING.rleDictionary : ENCODING.plain],
            [3, ENCODING.rle],
            [4, ENCODING.rle],
          ),
        ]),
        dataPage,
      ],
    };
    if (encoded.dictionary && dictionaryPage) {
      pages.dictionary = [
        header(PAGE.dictionary, encoded.dictionary.values.length, dictionaryPage.length, [
          7,
          struct([1, encoded.dictionary.count], [2, ENCODING.plain]),
        ]),
        dictionaryPage,
      ];
    }
    return pages;
  }

  private async writeGroup(
    chunks: {
      column: ColumnInfo;
      encoded: EncodedColumn;
      pages: Promise<{ dictionary?: Uint8Array[]; data: Uint8Array[] }>;
    }[],
    rows: number,
  ): Promise<void> {
    const start = this.offset;
    const written: ChunkLayout[] = [];
    // The whole row group in one gathered write (a column chunk each was one write per column,
    // a fixed cost that dominated the small members of an SDTM transfer).
    const parts: Uint8Array[] = [];
    for (const chunk of chunks) {
      const pages = await chunk.pages;
      const at = this.offset - start;
      const own = [...(pages.dictionary ?? []), ...pages.data];
      const dictionaryBytes = pages.dictionary ? sum(pages.dictionary) : 0;
      const compressed = sum(own);
      const uncompressed =
        compressed -
        ((pages.dictionary?.[1]?.length ?? 0) + (pages.data[1]?.length ?? 0)) +
        (chunk.encoded.dictionary?.values.length ?? 0) +
        chunk.encoded.levels.length +
        chunk.encoded.values.length;
      parts.push(...own);
      this.offset += compressed;
      const { encoded } = chunk;
      written.push({
        data: at + dictionaryBytes,
        ...(pages.dictionary ? { dictionary: at } : {}),
        compressed,
        uncompressed,
        values: encoded.rows,
        nulls: encoded.nulls,
        ...(encoded.min ? { min: Buffer.from(encoded.min).toString('base64') } : {}),
        ...(encoded.max ? { max: Buffer.from(encoded.max).toString('base64') } : {}),
      });
    }
    let at = start;
    for (let i = 0; i < parts.length; i += WRITE_PARTS) {
      const some = parts.slice(i, i + WRITE_PARTS);
      await this.handle.writev(some, at);
      at += sum(some);
    }
    for (const part of parts) this.hash.update(part);
    this.groups.push({
      start,
      bytes: this.offset - start,
      rows,
      uncompressed: written.reduce((total, w) => total + w.uncompressed, 0),
      chunks: written,
    });
  }

  /** The row group's entry in the footer. */
  private rowGroup(group: RowGroupLayout): ThriftStruct {
    return struct(
      [
        1,
        list(
          'struct',
          group.chunks.map((chunk, c) => this.columnChunk(this.columns[c] as ColumnInfo, chunk, group.start)),
        ),
      ],
      [2, BigInt(group.uncompressed)],
      [3, BigInt(group.rows)],
      [5, BigInt(group.start)],
      [6, BigInt(group.bytes)],
    );
  }

  private columnChunk(column: ColumnInfo, chunk: ChunkLayout, groupStart: number): ThriftStruct {
    const encodings =
      chunk.dictionary !== undefined
        ? [ENCODING.plain, ENCODING.rle, ENCODING.rleDictionary]
        : [ENCODING.plain, ENCODING.rle];
    const bytes = (base64: string | undefined) => (base64 === undefined ? undefined : Buffer.from(base64, 'base64'));
    return struct(
      [2, BigInt(groupStart + (chunk.dictionary ?? chunk.data))],
      [
        3,
        struct(
          [1, PHYSICAL[column.type]],
          [2, list('i32', encodings)],
          [3, list('binary', [column.name])],
          [4, SNAPPY],
          [5, BigInt(chunk.values)],
          [6, BigInt(chunk.uncompressed)],
          [7, BigInt(chunk.compressed)],
          [9, BigInt(groupStart + chunk.data)],
          [11, chunk.dictionary === undefined ? undefined : BigInt(groupStart + chunk.dictionary)],
          [12, struct([3, BigInt(chunk.nulls)], [5, bytes(chunk.max)], [6, bytes(chunk.min)])],
        ),
      ],
    );
  }

  private fileMetaData(): ThriftStruct {
    const schema: ThriftStruct[] = [
      struct([3, REQUIRED], [4, 'schema'], [5, this.columns.length]),
      ...this.columns.map((c) =>
        struct(
          [1, PHYSICAL[c.type]],
          [3, OPTIONAL],
          [4, c.name],
          [6, c.type === 'string' ? CONVERTED_UTF8 : c.type === 'date' ? CONVERTED_DATE : undefined],
          [10, logicalType(c.type)],
        ),
      ),
    ];
    return struct(
      [1, 1],
      [2, list('struct', schema)],
      [3, BigInt(this.rows)],
      [
        4,
        list(
          'struct',
          this.groups.map((g) => this.rowGroup(g)),
        ),
      ],
      [
        5,
        list(
          'struct',
          Object.entries(this.metadata).map(([key, value]) => struct([1, key], [2, value])),
        ),
      ],
      [6, 'cdp parquet writer'],
    );
  }
}

/**
 * The uncompressed pages of a row group (levels and values, the dictionary), in buffers kept from
 * one row group to the next instead of new ones each time: allocating them was tens of MB of
 * ArrayBuffers per large dataset, which V8 counts towards its next full garbage collection
 * (issue 17). Two sets alternate: the pages of the row group before are still being compressed
 * while this one's are put together, and the one before that is on disk (`flush` waits for it).
 */
class PageBuffers {
  private readonly sets: Buffer[][] = [[], []];
  private current = 0;

  /** A buffer of `bytes` bytes for page `slot` of the row group being put together. */
  take(slot: number, bytes: number): Buffer {
    const set = this.sets[this.current] as Buffer[];
    let buffer = set[slot];
    if (!buffer || buffer.length < bytes) {
      buffer = Buffer.allocUnsafe(bytes);
      set[slot] = buffer;
    }
    return buffer.subarray(0, bytes);
  }

  /** The next row group takes the other set. */
  nextGroup(): void {
    this.current = 1 - this.current;
  }
}

/** Buffers per gathered write (systems take at most 1,024). */
const WRITE_PARTS = 512;
/** Pages smaller than this are compressed on the caller's thread: a trip to libuv's pool costs more. */
const SYNC_COMPRESS_BYTES = 64 * 1024;

function squeeze(page: Uint8Array): Promise<Buffer> | Buffer {
  return page.length < SYNC_COMPRESS_BYTES ? compressSync(page) : compress(page);
}

function sum(parts: Uint8Array[]): number {
  let total = 0;
  for (const part of parts) total += part.length;
  return total;
}
