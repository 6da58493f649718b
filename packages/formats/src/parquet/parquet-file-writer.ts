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

interface WrittenChunk {
  column: ColumnInfo;
  encoded: EncodedColumn;
  start: number;
  dataOffset: number;
  dictionaryOffset?: number;
  compressed: number;
  uncompressed: number;
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
  private readonly groups: ThriftStruct[] = [];
  private writing: Promise<void> = Promise.resolve();
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

  private async flush(): Promise<void> {
    const rows = this.pendingRows;
    this.pendingRows = 0;
    this.rows += rows;
    // Encoding is ours (this thread); the compression of every page starts at once on the pool.
    const chunks = this.columns.map((column, c) => {
      const encoded = (this.builders[c] as ColumnBuilder).finish();
      const pages = this.compressPages(encoded);
      // Awaited in writeGroup; a later column's failure must not leave it unhandled meanwhile.
      pages.catch(() => undefined);
      return { column, encoded, pages };
    });
    // One row group waits at most: the previous one is on disk before this one is queued.
    await this.writing;
    this.writing = this.writeGroup(chunks, rows);
    // Its failure (a full disk) surfaces at the next write or at close; keep it from going unhandled.
    this.writing.catch(() => undefined);
  }

  private async compressPages(encoded: EncodedColumn): Promise<{ dictionary?: Uint8Array[]; data: Uint8Array[] }> {
    // Copies taken before the first await: the builders reuse their buffers for the next row group.
    const data = Buffer.concat([encoded.levels, encoded.values]);
    const words = encoded.dictionary ? Buffer.from(encoded.dictionary.values) : undefined;
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
    const written: WrittenChunk[] = [];
    // The whole row group in one gathered write (a column chunk each was one write per column,
    // a fixed cost that dominated the small members of an SDTM transfer).
    const parts: Uint8Array[] = [];
    for (const chunk of chunks) {
      const pages = await chunk.pages;
      const at = this.offset;
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
      written.push({
        column: chunk.column,
        encoded: chunk.encoded,
        start: at,
        dictionaryOffset: pages.dictionary ? at : undefined,
        dataOffset: at + dictionaryBytes,
        compressed,
        uncompressed,
      });
    }
    let at = start;
    for (let i = 0; i < parts.length; i += WRITE_PARTS) {
      const some = parts.slice(i, i + WRITE_PARTS);
      await this.handle.writev(some, at);
      at += sum(some);
    }
    for (const part of parts) this.hash.update(part);
    this.groups.push(
      struct(
        [
          1,
          list(
            'struct',
            written.map((w) => this.columnChunk(w)),
          ),
        ],
        [2, BigInt(written.reduce((total, w) => total + w.uncompressed, 0))],
        [3, BigInt(rows)],
        [5, BigInt(start)],
        [6, BigInt(this.offset - start)],
      ),
    );
  }

  private columnChunk(chunk: WrittenChunk): ThriftStruct {
    const { encoded } = chunk;
    const encodings = encoded.dictionary
      ? [ENCODING.plain, ENCODING.rle, ENCODING.rleDictionary]
      : [ENCODING.plain, ENCODING.rle];
    return struct(
      [2, BigInt(chunk.start)],
      [
        3,
        struct(
          [1, PHYSICAL[chunk.column.type]],
          [2, list('i32', encodings)],
          [3, list('binary', [chunk.column.name])],
          [4, SNAPPY],
          [5, BigInt(encoded.rows)],
          [6, BigInt(chunk.uncompressed)],
          [7, BigInt(chunk.compressed)],
          [9, BigInt(chunk.dataOffset)],
          [11, chunk.dictionaryOffset === undefined ? undefined : BigInt(chunk.dictionaryOffset)],
          [12, struct([3, BigInt(encoded.nulls)], [5, encoded.max], [6, encoded.min])],
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
      [4, list('struct', this.groups)],
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
