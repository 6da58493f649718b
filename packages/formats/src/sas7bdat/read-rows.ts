import type { PositionalReader } from '../byte-source.ts';
import { FormatError } from '../errors.ts';
import type { RowBatch } from '../types.ts';
import { rdcDecompress, rleDecompress } from './decompress.ts';
import type { Sas7bdatDescription } from './describe.ts';
import {
  COMPRESSION_DELETED_ROW,
  COMPRESSION_NONE,
  COMPRESSION_ROW,
  COMPRESSION_TRUNCATED,
  isMetadataSignature,
  PAGE_AMD,
  PAGE_COMP_BITS,
  PAGE_DATA,
  PAGE_HAS_DELETED,
  PAGE_MIX,
  PAGE_TYPE_MASK,
  type PageHeader,
  readPageHeader,
  readPointers,
  readSignature,
  type SubheaderPointer,
} from './page.ts';
import { PageSource } from './page-source.ts';
import { RowBatcher } from './row-batcher.ts';

/** Rows of meta pages decoded before they go to the batcher together (~27 KB for a 424-byte row). */
const STAGED_ROWS = 64;

/** Contiguous uncompressed rows of a data or mix page, with the page's deleted-row bits if any. */
interface RowRun {
  start: number;
  count: number;
  deleted: Buffer | undefined;
}

/**
 * The row pass: pages in order, rows decoded into batches as they come, stopping once the
 * declared number of rows has been met. Rows live in three places: after the pointer table of
 * data and mix pages (uncompressed files), or one per subheader on meta pages (compressed files,
 * each RLE/RDC-compressed, or stored as is when compression would not shrink it).
 */
export async function* readSas7bdatRows(
  file: PositionalReader,
  description: Sas7bdatDescription,
  batchSize: number,
  textAsBytes = false,
  reuseBatches = false,
): AsyncGenerator<RowBatch> {
  const { header, layout, rowLength, totalRows, deletedRows } = description;
  if (totalRows === 0) return;
  const source = new PageSource(file, header.headerSize, header.pageSize, header.pageCount);
  const batcher = new RowBatcher(
    description.slots,
    description.text,
    header.littleEndian,
    batchSize,
    textAsBytes,
    reuseBatches,
  );
  // Rows of meta pages (compressed, or stored as is) are decoded side by side into `staged` and
  // handed to the batcher a run at a time, column by column like the rows of a data page.
  const staged = Buffer.alloc(rowLength * STAGED_ROWS);
  const stagedView = new DataView(staged.buffer, staged.byteOffset, staged.byteLength);
  const stagedRows = Array.from({ length: STAGED_ROWS }, (_, k) => staged.subarray(k * rowLength, (k + 1) * rowLength));
  let pending = 0;
  const decompress =
    description.compression === 'rle' ? rleDecompress : description.compression === 'rdc' ? rdcDecompress : undefined;

  let seen = 0;
  let kept = 0;
  for await (const { index, page } of source.pages()) {
    const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
    const pageHeader = source.located(index, () => readPageHeader(page, layout));
    if (pageHeader.type & PAGE_COMP_BITS) continue;
    const base = pageHeader.type & PAGE_TYPE_MASK;

    if (base === PAGE_DATA || base === PAGE_MIX) {
      if (pending > 0) {
        batcher.addRun(staged, stagedView, 0, rowLength, pending, kept - pending + 1);
        pending = 0;
        if (batcher.full) yield batcher.take();
      }
      const run = source.located(index, () => rowRun(page, pageHeader, description));
      if (!run.deleted) {
        // No deleted rows: whole runs of the page, column by column, as far as the batch has room.
        let r = 0;
        while (r < run.count && seen < totalRows) {
          const n = Math.min(run.count - r, batcher.room, totalRows - seen);
          batcher.addRun(page, view, run.start + r * rowLength, rowLength, n, kept + 1);
          r += n;
          seen += n;
          kept += n;
          if (batcher.full) yield batcher.take();
        }
        if (seen >= totalRows) break;
        continue;
      }
      for (let r = 0; r < run.count && seen < totalRows; r++) {
        seen++;
        if (run.deleted && ((run.deleted[r >> 3] as number) & (0x80 >> (r & 7))) !== 0) continue;
        kept++;
        batcher.add(page, view, run.start + r * rowLength, kept);
        if (batcher.full) yield batcher.take();
      }
    } else if (base === 0 || base === PAGE_AMD) {
      const pointers = source.located(index, () => readPointers(page, layout, pageHeader.subheaderCount));
      for (const pointer of pointers) {
        if (seen >= totalRows) break;
        if (pointer.length === 0 || pointer.compression === COMPRESSION_TRUNCATED) continue;
        if (pointer.compression === COMPRESSION_DELETED_ROW) {
          seen++;
          continue;
        }
        if (pointer.compression === COMPRESSION_ROW) {
          if (!decompress) {
            throw new FormatError('the file holds compressed rows but declares no compression (corrupt file)', {
              offset: source.offsetOf(index) + pointer.offset,
            });
          }
          try {
            decompress(page, pointer.offset, pointer.offset + pointer.length, stagedRows[pending] as Buffer);
          } catch (error) {
            throw atRow(error, kept + 1);
          }
          seen++;
          kept++;
          pending++;
          if (pending === STAGED_ROWS || pending === batcher.room) {
            batcher.addRun(staged, stagedView, 0, rowLength, pending, kept - pending + 1);
            pending = 0;
            if (batcher.full) yield batcher.take();
          }
          continue;
        }
        if (pointer.compression !== COMPRESSION_NONE) {
          throw new FormatError(`a subheader has an unknown compression code ${pointer.compression} (corrupt file)`, {
            offset: source.offsetOf(index) + layout.pageHeaderSize,
          });
        }
        if (!isStoredRow(page, pointer, description)) continue;
        if (pointer.length !== rowLength) {
          throw new FormatError(
            `a stored row is ${pointer.length} bytes, the row length is ${rowLength} (corrupt file)`,
            { row: kept + 1 },
          );
        }
        seen++;
        kept++;
        page.copy(staged, pending * rowLength, pointer.offset, pointer.offset + rowLength);
        pending++;
        if (pending === STAGED_ROWS || pending === batcher.room) {
          batcher.addRun(staged, stagedView, 0, rowLength, pending, kept - pending + 1);
          pending = 0;
          if (batcher.full) yield batcher.take();
        }
      }
    }
    if (seen >= totalRows) break;
  }
  if (pending > 0) batcher.addRun(staged, stagedView, 0, rowLength, pending, kept - pending + 1);

  if (seen < totalRows) {
    throw new FormatError(
      `the file holds ${seen.toLocaleString('en-US')} of the ${totalRows.toLocaleString('en-US')} rows it declares (truncated or corrupt file)`,
      { offset: header.headerSize + header.pageCount * header.pageSize },
    );
  }
  if (totalRows - kept !== deletedRows) {
    throw new FormatError(
      `the file declares ${deletedRows.toLocaleString('en-US')} deleted rows but marks ${(totalRows - kept).toLocaleString('en-US')} (corrupt file)`,
    );
  }
  if (batcher.length > 0) yield batcher.take();
}

/** In a compressed file, a subheader of data type 1 whose signature is not metadata is a row stored as is. */
function isStoredRow(page: Buffer, pointer: SubheaderPointer, description: Sas7bdatDescription): boolean {
  if (description.compression === 'none' || pointer.dataType !== 1) return false;
  return !isMetadataSignature(readSignature(page, pointer, description.layout));
}

function rowRun(page: Buffer, pageHeader: PageHeader, description: Sas7bdatDescription): RowRun {
  const { layout, rowLength } = description;
  let start = layout.pageHeaderSize;
  let count = pageHeader.blockCount;
  if ((pageHeader.type & PAGE_TYPE_MASK) === PAGE_MIX) {
    if (pageHeader.blockCount < pageHeader.subheaderCount) {
      throw new FormatError('a mix page counts fewer blocks than subheaders (corrupt file)');
    }
    count = pageHeader.blockCount - pageHeader.subheaderCount;
    start += pageHeader.subheaderCount * layout.pointerSize;
    // Rows start on an 8-byte boundary; Stat/Transfer sometimes omits the padding (ReadStat's check).
    if (start % 8 === 4 && start + 4 <= page.length) {
      const pad = page.readUInt32LE(start);
      if (!description.statTransfer || pad === 0 || pad === 0x20202020) start += 4;
    }
  }
  const end = start + count * rowLength;
  if (end > page.length) {
    throw new FormatError(
      `page claims ${count.toLocaleString('en-US')} rows of ${rowLength.toLocaleString('en-US')} bytes, more than fit (corrupt file)`,
    );
  }
  let deleted: Buffer | undefined;
  if (pageHeader.type & PAGE_HAS_DELETED) {
    // The deleted-row bits (one per row, most significant first) follow the rows after the page's unused-space gap.
    const gap = layout.int(page, layout.u64 ? 24 : 12);
    const at = end + gap;
    const bytes = Math.ceil(count / 8);
    if (at + bytes > page.length) {
      throw new FormatError('the deleted-row flags of a page lie outside the page (corrupt file)');
    }
    deleted = page.subarray(at, at + bytes);
  }
  return { start, count, deleted };
}

function atRow(error: unknown, row: number): unknown {
  if (error instanceof FormatError && error.location.row === undefined) {
    return new FormatError(error.reason, { ...error.location, row });
  }
  return error;
}
