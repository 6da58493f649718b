import { type FileHandle, open, rm } from 'node:fs/promises';
import type { DatasetReader } from '../types.ts';
import { COMPRESSION_NONE, COMPRESSION_ROW, PAGE_DATA, PAGE_META } from './page.ts';
import { RdcCompressor, rdcBound } from './rdc-compress.ts';
import { rleBound, rleCompress } from './rle-compress.ts';
import { SasWriteFormat } from './write-format.ts';
import { RowEncoder, type RowLayout, rowLayout } from './write-layout.ts';
import { header, metadataPages, type WriteCompression } from './write-metadata.ts';

export interface WriteSas7bdatOptions {
  /** `rle` is COMPRESS=CHAR, `rdc` COMPRESS=BINARY. */
  compression?: WriteCompression;
  /** Page size in bytes; SAS uses 64 KiB for data sets of this kind. */
  pageSize?: number;
  /** 64 (default) or 32: integers, offsets and subheader pointers 8 or 4 bytes wide. */
  wordSize?: 32 | 64;
  /** Little-endian (default, x86) or big-endian (as SAS on AIX, Solaris/SPARC or z/OS writes). */
  byteOrder?: 'little' | 'big';
}

/**
 * Writes a SAS7BDAT file: 64- or 32-bit layout, either byte order, UTF-8, uncompressed,
 * COMPRESS=CHAR (RLE) or COMPRESS=BINARY (RDC). Written so that this package's reader and pandas
 * read it (ReadStat too for the RLE and uncompressed files; it has no RDC); it is a test and
 * benchmark tool (pandas cannot write SAS7BDAT), not a replacement for SAS: there is no subheader
 * counts or column list subheader, and page sequence numbers are zero.
 *
 * Numbers are stored in 8 bytes (or `ColumnInfo.length` when 3–7: the least significant bytes
 * are dropped, as SAS does); dates, datetimes and times are converted back to SAS units.
 * Character columns need `ColumnInfo.length` (bytes of UTF-8); a longer value is an error.
 * Streaming: rows go to disk page by page; the header and the metadata page are rewritten at
 * the end with the final counts.
 */
export async function writeSas7bdat(
  path: string,
  dataset: DatasetReader,
  options: WriteSas7bdatOptions = {},
): Promise<{ rows: number; pages: number }> {
  const pageSize = options.pageSize ?? 65_536;
  const compression = options.compression ?? 'none';
  const format = new SasWriteFormat(options.wordSize !== 32, options.byteOrder !== 'big');
  const layout = rowLayout(dataset.info.columns);
  if (layout.rowLength + format.pointerSize + format.pageHeaderSize > pageSize) {
    throw new Error(`writeSas7bdat: a row of ${layout.rowLength} bytes does not fit in a ${pageSize}-byte page`);
  }
  const metadata = metadataPages(dataset, layout, compression, pageSize, format);
  const { headerSize } = format;
  const file = await open(path, 'w');
  try {
    const writer = new PageWriter(file, pageSize, headerSize + metadata.pages.length * pageSize);
    const rows =
      compression === 'none'
        ? await writeRows(dataset, layout, writer, format)
        : await writeCompressedRows(dataset, layout, writer, format, compression);
    await writer.flush();
    const pageCount = metadata.pages.length + writer.pagesWritten;
    metadata.setRowCount(rows);
    await file.write(header(dataset.info.name, pageSize, pageCount, format), 0, headerSize, 0);
    for (let i = 0; i < metadata.pages.length; i++) {
      await file.write(metadata.pages[i] as Buffer, 0, pageSize, headerSize + i * pageSize);
    }
    await file.close();
    return { rows, pages: pageCount };
  } catch (error) {
    // A half-written file must not be mistaken for a data set.
    await file.close();
    await rm(path, { force: true });
    throw error;
  }
}

/** Collects pages and writes them in runs of about 1 MiB. */
class PageWriter {
  pagesWritten = 0;
  private readonly buffer: Buffer;
  private used = 0;

  constructor(
    private readonly file: FileHandle,
    readonly pageSize: number,
    private position: number,
  ) {
    this.buffer = Buffer.alloc(Math.max(1, Math.floor((1 << 20) / pageSize)) * pageSize);
  }

  /** A zeroed page to fill in; it is written on a later `push` or `flush`. */
  async next(): Promise<Buffer> {
    if (this.used === this.buffer.length) await this.flush();
    const page = this.buffer.subarray(this.used, this.used + this.pageSize);
    page.fill(0);
    this.used += this.pageSize;
    this.pagesWritten++;
    return page;
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    await this.file.write(this.buffer, 0, this.used, this.position);
    this.position += this.used;
    this.used = 0;
  }
}

async function writeRows(
  dataset: DatasetReader,
  layout: RowLayout,
  writer: PageWriter,
  format: SasWriteFormat,
): Promise<number> {
  const perPage = format.rowsPerDataPage(writer.pageSize, layout.rowLength);
  const encoder = new RowEncoder(layout, format.littleEndian);
  const start = format.pageHeaderSize;
  let rows = 0;
  let page: Buffer | undefined;
  let onPage = 0;
  for await (const batch of dataset.batches()) {
    for (let r = 0; r < batch.length; r++) {
      if (!page || onPage === perPage) {
        page = await writer.next();
        onPage = 0;
      }
      encoder.encode(batch, r, rows + 1).copy(page, start + onPage * layout.rowLength);
      onPage++;
      rows++;
      format.pageHeader(page, PAGE_DATA, onPage, 0, page.length - start - onPage * layout.rowLength);
    }
  }
  return rows;
}

/** One row per subheader on meta pages, packed from the page's end, as SAS stores compressed rows. */
async function writeCompressedRows(
  dataset: DatasetReader,
  layout: RowLayout,
  writer: PageWriter,
  format: SasWriteFormat,
  compression: 'rle' | 'rdc',
): Promise<number> {
  const encoder = new RowEncoder(layout, format.littleEndian);
  const rdc = new RdcCompressor();
  const packed = Buffer.alloc(Math.max(rleBound(layout.rowLength), rdcBound(layout.rowLength)));
  const { pageHeaderSize, pointerSize } = format;
  let rows = 0;
  let page: Buffer | undefined;
  let pointers = 0;
  let dataStart = 0;
  for await (const batch of dataset.batches()) {
    for (let r = 0; r < batch.length; r++) {
      const row = encoder.encode(batch, r, rows + 1);
      const length =
        compression === 'rle' ? rleCompress(row, 0, row.length, packed) : rdc.compress(row, 0, row.length, packed);
      // Rows that do not shrink are stored as they are (compression 0), like SAS does.
      const stored = length < row.length ? packed.subarray(0, length) : row;
      const tableEnd = pageHeaderSize + (pointers + 1) * pointerSize;
      if (!page || pointers === 0xffff || dataStart - stored.length < tableEnd) {
        page = await writer.next();
        pointers = 0;
        dataStart = page.length;
      }
      dataStart -= stored.length;
      stored.copy(page, dataStart);
      format.pointer(page, pointers, dataStart, stored.length, stored === row ? COMPRESSION_NONE : COMPRESSION_ROW, 1);
      pointers++;
      rows++;
      format.pageHeader(page, PAGE_META, pointers, pointers, dataStart - pageHeaderSize - pointers * pointerSize);
    }
  }
  return rows;
}
