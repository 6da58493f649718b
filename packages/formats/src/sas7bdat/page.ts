import { FormatError } from '../errors.ts';
import type { SasLayout } from './layout.ts';

/**
 * Pages and subheader pointers. A page starts with a 24|40-byte header whose last 8 bytes hold
 * the page type, the block count and the subheader count, followed by the subheader pointer table
 * (offset, length, compression, type); the subheaders themselves fill the page from its end.
 */

/** Base page types, `type & PAGE_TYPE_MASK`. */
export const PAGE_META = 0x0000;
export const PAGE_DATA = 0x0100;
export const PAGE_MIX = 0x0200;
export const PAGE_AMD = 0x0400;
export const PAGE_TYPE_MASK = 0x0f00;
/** Index pages of compressed files (0x9000 and kin): no rows, no metadata, skipped like ReadStat does. */
export const PAGE_COMP_BITS = 0x9000;
/** Set on data (0x0180), mix (0x0280) and compressed meta (0x0080) pages that carry deleted rows. */
export const PAGE_HAS_DELETED = 0x0080;

export const COMPRESSION_NONE = 0;
export const COMPRESSION_TRUNCATED = 1;
export const COMPRESSION_ROW = 4;
/** A compressed row that was deleted (observed in parso's comp_deleted.sas7bdat). */
export const COMPRESSION_DELETED_ROW = 5;

export const SIGNATURE_ROW_SIZE = 0xf7f7f7f7;
export const SIGNATURE_COLUMN_SIZE = 0xf6f6f6f6;
export const SIGNATURE_COUNTS = 0xfffffc00;
export const SIGNATURE_FORMAT = 0xfffffbfe;
export const SIGNATURE_ATTRIBUTES = 0xfffffffc;
export const SIGNATURE_TEXT = 0xfffffffd;
export const SIGNATURE_LIST = 0xfffffffe;
export const SIGNATURE_NAME = 0xffffffff;
/** -8..-1: the column subheader family (names, text, attributes, list and unknown kin). */
const COLUMN_FAMILY_MASK = 0xfffffff8;

export interface PageHeader {
  type: number;
  blockCount: number;
  subheaderCount: number;
}

export interface SubheaderPointer {
  offset: number;
  length: number;
  compression: number;
  /** 1 when the subheader may hold row data (in compressed files). */
  dataType: number;
}

export function readPageHeader(page: Buffer, layout: SasLayout): PageHeader {
  const at = layout.pageHeaderSize - 8;
  return {
    type: layout.u16(page, at),
    blockCount: layout.u16(page, at + 2),
    subheaderCount: layout.u16(page, at + 4),
  };
}

/** Pointers of one page, each checked to lie inside the page after the pointer table. */
export function readPointers(page: Buffer, layout: SasLayout, count: number): SubheaderPointer[] {
  const tableEnd = layout.pageHeaderSize + count * layout.pointerSize;
  if (tableEnd > page.length) {
    throw new FormatError(
      `page claims ${count.toLocaleString('en-US')} subheaders, more than fit in the page (corrupt file)`,
    );
  }
  const pointers: SubheaderPointer[] = [];
  for (let i = 0; i < count; i++) {
    const at = layout.pageHeaderSize + i * layout.pointerSize;
    const offset = layout.int(page, at);
    const length = layout.int(page, at + layout.intSize);
    const compression = layout.u8(page, at + 2 * layout.intSize);
    const dataType = layout.u8(page, at + 2 * layout.intSize + 1);
    if (length > 0 && compression !== COMPRESSION_TRUNCATED) {
      if (offset < tableEnd || offset + length > page.length) {
        throw new FormatError(
          `subheader ${i + 1} points outside its page (offset ${offset}, length ${length}; corrupt file)`,
        );
      }
    }
    pointers.push({ offset, length, compression, dataType });
  }
  return pointers;
}

export function isMetadataSignature(signature: number): boolean {
  return (
    signature === SIGNATURE_ROW_SIZE ||
    signature === SIGNATURE_COLUMN_SIZE ||
    signature === SIGNATURE_COUNTS ||
    signature === SIGNATURE_FORMAT ||
    (signature & COLUMN_FAMILY_MASK) >>> 0 === COLUMN_FAMILY_MASK
  );
}

/**
 * The subheader signature: 4 bytes, or 8 in 64-bit files, where big-endian writers put the
 * meaningful half second (after 0xFFFFFFFF or zeros), as ReadStat and parso both observed.
 */
export function readSignature(page: Buffer, pointer: SubheaderPointer, layout: SasLayout): number {
  if (pointer.length < 4) return 0;
  const first = layout.u32(page, pointer.offset);
  if (!layout.u64 || layout.littleEndian || pointer.length < 8) return first;
  if (first === 0xffffffff || first === 0) return layout.u32(page, pointer.offset + 4);
  return first;
}
