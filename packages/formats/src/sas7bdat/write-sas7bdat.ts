import { type FileHandle, open, rm } from 'node:fs/promises';
import type { DatasetReader } from '../types.ts';
import { PAGE_DATA, PAGE_META } from './page.ts';
import { rleBound, rleCompress } from './rle-compress.ts';
import { HEADER_SIZE, PAGE_HEADER_SIZE, POINTER_SIZE, RowEncoder, type RowLayout, rowLayout } from './write-layout.ts';
import { header, metadataPages, pageHeader, rowsPerDataPage } from './write-metadata.ts';

export interface WriteSas7bdatOptions {
  compression?: 'none' | 'rle';
  /** Page size in bytes; SAS uses 64 KiB for data sets of this kind. */
  pageSize?: number;
}

/**
 * Writes a SAS7BDAT file: 64-bit layout, little-endian, UTF-8, uncompressed or COMPRESS=CHAR
 * (RLE). Written so that this package's reader, pandas and ReadStat read it; it is a test and
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
  const compressed = options.compression === 'rle';
  const layout = rowLayout(dataset.info.columns);
  if (layout.rowLength + POINTER_SIZE + PAGE_HEADER_SIZE > pageSize) {
    throw new Error(`writeSas7bdat: a row of ${layout.rowLength} bytes does not fit in a ${pageSize}-byte page`);
  }
  const metadata = metadataPages(dataset, layout, compressed, pageSize);
  const file = await open(path, 'w');
  try {
    const writer = new PageWriter(file, pageSize, HEADER_SIZE + metadata.pages.length * pageSize);
    const rows = compressed
      ? await writeCompressedRows(dataset, layout, writer)
      : await writeRows(dataset, layout, writer);
    await writer.flush();
    const pageCount = metadata.pages.length + writer.pagesWritten;
    metadata.setRowCount(rows);
    await file.write(header(dataset.info.name, pageSize, pageCount), 0, HEADER_SIZE, 0);
    for (let i = 0; i < metadata.pages.length; i++) {
      await file.write(metadata.pages[i] as Buffer, 0, pageSize, HEADER_SIZE + i * pageSize);
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

async function writeRows(dataset: DatasetReader, layout: RowLayout, writer: PageWriter): Promise<number> {
  const perPage = rowsPerDataPage(writer.pageSize, layout.rowLength);
  const encoder = new RowEncoder(layout);
  let rows = 0;
  let page: Buffer | undefined;
  let onPage = 0;
  for await (const batch of dataset.batches()) {
    for (let r = 0; r < batch.length; r++) {
      if (!page || onPage === perPage) {
        page = await writer.next();
        onPage = 0;
      }
      encoder.encode(batch, r, rows + 1).copy(page, PAGE_HEADER_SIZE + onPage * layout.rowLength);
      onPage++;
      rows++;
      pageHeader(page, PAGE_DATA, onPage, 0, page.length - PAGE_HEADER_SIZE - onPage * layout.rowLength);
    }
  }
  return rows;
}

async function writeCompressedRows(dataset: DatasetReader, layout: RowLayout, writer: PageWriter): Promise<number> {
  const encoder = new RowEncoder(layout);
  const packed = Buffer.alloc(rleBound(layout.rowLength));
  let rows = 0;
  let page: Buffer | undefined;
  let pointers = 0;
  let dataStart = 0;
  for await (const batch of dataset.batches()) {
    for (let r = 0; r < batch.length; r++) {
      const row = encoder.encode(batch, r, rows + 1);
      const length = rleCompress(row, 0, row.length, packed);
      // Rows that do not shrink are stored as they are (compression 0), like SAS does.
      const stored = length < row.length ? packed.subarray(0, length) : row;
      const tableEnd = PAGE_HEADER_SIZE + (pointers + 1) * POINTER_SIZE;
      if (!page || pointers === 0xffff || dataStart - stored.length < tableEnd) {
        page = await writer.next();
        pointers = 0;
        dataStart = page.length;
      }
      dataStart -= stored.length;
      stored.copy(page, dataStart);
      const at = PAGE_HEADER_SIZE + pointers * POINTER_SIZE;
      page.writeBigUInt64LE(BigInt(dataStart), at);
      page.writeBigUInt64LE(BigInt(stored.length), at + 8);
      page[at + 16] = stored === row ? 0 : 4;
      page[at + 17] = 1;
      pointers++;
      rows++;
      pageHeader(page, PAGE_META, pointers, pointers, dataStart - PAGE_HEADER_SIZE - pointers * POINTER_SIZE);
    }
  }
  return rows;
}
