/**
 * Word size and byte order of a file the writer makes: the sizes that follow from them (header,
 * page header, subheader pointer) and integer writes in the file's byte order. The same offsets
 * as the reader's `SasLayout` (layout.ts), seen from the writing side.
 */
export class SasWriteFormat {
  readonly intSize: number;
  /** 8192 for 64-bit files, 1024 for 32-bit ones, as SAS writes them. */
  readonly headerSize: number;
  /** 40 or 24: page type, block count and subheader count sit in its last 8 bytes. */
  readonly pageHeaderSize: number;
  /** 24 or 12. */
  readonly pointerSize: number;
  /** Padding before the header's timestamps: 64-bit files have it, the 32-bit files made here do not. */
  readonly pad1: number;

  constructor(
    readonly u64: boolean,
    readonly littleEndian: boolean,
  ) {
    this.intSize = u64 ? 8 : 4;
    this.headerSize = u64 ? 8192 : 1024;
    this.pageHeaderSize = u64 ? 40 : 24;
    this.pointerSize = u64 ? 24 : 12;
    this.pad1 = u64 ? 4 : 0;
  }

  u16(bytes: Buffer, at: number, value: number): void {
    if (this.littleEndian) bytes.writeUInt16LE(value, at);
    else bytes.writeUInt16BE(value, at);
  }

  u32(bytes: Buffer, at: number, value: number): void {
    if (this.littleEndian) bytes.writeUInt32LE(value >>> 0, at);
    else bytes.writeUInt32BE(value >>> 0, at);
  }

  /** A count or offset, 4 or 8 bytes wide. */
  int(bytes: Buffer, at: number, value: number): void {
    if (!this.u64) this.u32(bytes, at, value);
    else if (this.littleEndian) bytes.writeBigUInt64LE(BigInt(value), at);
    else bytes.writeBigUInt64BE(BigInt(value), at);
  }

  f64(bytes: Buffer, at: number, value: number): void {
    if (this.littleEndian) bytes.writeDoubleLE(value, at);
    else bytes.writeDoubleBE(value, at);
  }

  /**
   * A subheader signature as an integer of the file's width: the row and column size ones
   * (0xF7F7F7F7, 0xF6F6F6F6) are positive, the column family (-1..-8) and the format subheader
   * are negative and sign-extended. In a big-endian 64-bit file the meaningful half comes second,
   * as ReadStat, parso and pandas' signature table all expect.
   */
  signature(bytes: Buffer, at: number, signature: number): void {
    if (!this.u64) {
      this.u32(bytes, at, signature);
      return;
    }
    const high = signature === 0xf7f7f7f7 || signature === 0xf6f6f6f6 ? 0 : 0xffffffff;
    this.u32(bytes, this.littleEndian ? at : at + 4, signature);
    this.u32(bytes, this.littleEndian ? at + 4 : at, high);
  }

  /** Rows per data page: the page after its header, over the row plus one deleted-flag bit (the specification's formula). */
  rowsPerDataPage(pageSize: number, rowLength: number): number {
    return Math.min(0xffff, Math.floor((8 * (pageSize - this.pageHeaderSize)) / (1 + 8 * rowLength)));
  }

  /** The page header's last 8 bytes and the unused space before the subheaders. */
  pageHeader(page: Buffer, type: number, blocks: number, subheaders: number, unused: number): void {
    this.int(page, this.u64 ? 24 : 12, unused);
    const at = this.pageHeaderSize - 8;
    this.u16(page, at, type);
    this.u16(page, at + 2, blocks);
    this.u16(page, at + 4, subheaders);
  }

  /** One subheader pointer: where, how long, compression code and data type. */
  pointer(page: Buffer, index: number, offset: number, length: number, compression: number, dataType: number): void {
    const at = this.pageHeaderSize + index * this.pointerSize;
    this.int(page, at, offset);
    this.int(page, at + this.intSize, length);
    page[at + 2 * this.intSize] = compression;
    page[at + 2 * this.intSize + 1] = dataType;
  }
}
