import { FormatError } from '../errors.ts';
import type { SasLayout } from './layout.ts';
import {
  SIGNATURE_ATTRIBUTES,
  SIGNATURE_COLUMN_SIZE,
  SIGNATURE_FORMAT,
  SIGNATURE_NAME,
  SIGNATURE_ROW_SIZE,
  SIGNATURE_TEXT,
} from './page.ts';

/**
 * Collects the metadata subheaders of a SAS7BDAT file (row size, column size, column text, names,
 * attributes, formats and labels) as they are met, page by page. Names, formats and labels are
 * "text references" into the column text subheaders, which can come later in the file (an AMD
 * page at the end), so they stay references until `unresolved()` says every target is known.
 * Offsets are those of the Shotwell/Cummins specification, cross-checked with ReadStat and on
 * real files (the format width sits at 3 integer widths into its subheader, 12|24).
 */

export interface TextRef {
  index: number;
  offset: number;
  length: number;
}

export interface ColumnAttributes {
  offset: number;
  width: number;
  /** 1 numeric, 2 character. */
  type: number;
}

export interface ColumnFormat {
  format: TextRef;
  formatWidth: number;
  formatDecimals: number;
  informat: TextRef;
  informatWidth: number;
  informatDecimals: number;
  label: TextRef;
}

export type Compression = 'none' | 'rle' | 'rdc';

const RLE_SIGNATURE = 'SASYZCRL';
const RDC_SIGNATURE = 'SASYZCR2';
/** The compression literal sits 12 bytes into the first column text blob (after the signature). */
const COMPRESSION_LITERAL_AT = 12;

const NO_TEXT: TextRef = { index: 0, offset: 0, length: 0 };

export class SasMetadata {
  rowLength: number | undefined;
  /** Rows the file declares, deleted rows included. */
  totalRows: number | undefined;
  deletedRows = 0;
  columnCount: number | undefined;
  readonly textBlobs: Buffer[] = [];
  readonly names: TextRef[] = [];
  readonly attributes: ColumnAttributes[] = [];
  readonly formats: ColumnFormat[] = [];
  fileLabel: TextRef = NO_TEXT;
  creator: TextRef = NO_TEXT;
  creatorProc: TextRef = NO_TEXT;

  constructor(private readonly layout: SasLayout) {}

  get compression(): Compression {
    const first = this.textBlobs[0];
    if (!first || first.length < COMPRESSION_LITERAL_AT + 8) return 'none';
    const literal = first.toString('latin1', COMPRESSION_LITERAL_AT, COMPRESSION_LITERAL_AT + 8);
    if (literal === RLE_SIGNATURE) return 'rle';
    if (literal === RDC_SIGNATURE) return 'rdc';
    return 'none';
  }

  /** Every subheader needed to describe the columns has been seen. */
  get complete(): boolean {
    const count = this.columnCount;
    return (
      this.rowLength !== undefined &&
      count !== undefined &&
      this.names.length >= count &&
      this.attributes.length >= count &&
      this.formats.length >= count
    );
  }

  /** Some text reference points at a column text subheader not seen yet. */
  get unresolved(): boolean {
    const known = this.textBlobs.length;
    const missing = (ref: TextRef) => ref.length > 0 && ref.index >= known;
    return (
      this.names.some(missing) ||
      this.formats.some((f) => missing(f.format) || missing(f.label) || missing(f.informat)) ||
      missing(this.fileLabel)
    );
  }

  /** Parses one metadata subheader (`bytes` is exactly its extent); unknown kinds are ignored. */
  read(signature: number, bytes: Buffer): void {
    switch (signature) {
      case SIGNATURE_ROW_SIZE:
        this.readRowSize(bytes);
        return;
      case SIGNATURE_COLUMN_SIZE:
        this.readColumnSize(bytes);
        return;
      case SIGNATURE_TEXT:
        this.readText(bytes);
        return;
      case SIGNATURE_NAME:
        this.readNames(bytes);
        return;
      case SIGNATURE_ATTRIBUTES:
        this.readAttributes(bytes);
        return;
      case SIGNATURE_FORMAT:
        this.readFormat(bytes);
        return;
      default:
      // Subheader counts, column list and unknown members of the column family carry nothing a reader needs.
    }
  }

  /** Only column text: an amendment (AMD) page may add text blobs that earlier references point to. */
  readText(bytes: Buffer): void {
    const start = this.layout.intSize;
    if (bytes.length < start + 2) throw new FormatError('a column text subheader is too short (corrupt file)');
    // A copy: the page buffer is reused for the next page.
    this.textBlobs.push(Buffer.from(bytes.subarray(start)));
  }

  private readRowSize(bytes: Buffer): void {
    const { intSize, u64 } = this.layout;
    if (bytes.length < (u64 ? 128 : 64)) throw new FormatError('the row size subheader is too short (corrupt file)');
    if (this.rowLength !== undefined) return;
    this.rowLength = this.layout.int(bytes, 5 * intSize);
    this.totalRows = this.layout.int(bytes, 6 * intSize);
    this.deletedRows = this.layout.int(bytes, 7 * intSize);
    this.fileLabel = this.textRefIfPresent(bytes, u64 ? 678 : 350);
    this.creator = this.textRefIfPresent(bytes, u64 ? 684 : 356);
    this.creatorProc = this.textRefIfPresent(bytes, u64 ? 704 : 376);
  }

  private readColumnSize(bytes: Buffer): void {
    const count = this.layout.int(bytes, this.layout.intSize);
    if (this.columnCount !== undefined && this.columnCount !== count) {
      throw new FormatError(`the file declares ${this.columnCount} and then ${count} columns (corrupt file)`);
    }
    this.columnCount = count;
  }

  private readNames(bytes: Buffer): void {
    const { intSize, u64 } = this.layout;
    const count = Math.floor((bytes.length - (u64 ? 28 : 20)) / 8);
    for (let i = 0; i < count; i++) this.names.push(this.textRef(bytes, intSize + 8 + i * 8));
  }

  private readAttributes(bytes: Buffer): void {
    const { intSize, u64 } = this.layout;
    const stride = intSize + 8;
    const count = Math.floor((bytes.length - (u64 ? 28 : 20)) / stride);
    for (let i = 0; i < count; i++) {
      const at = intSize + 8 + i * stride;
      this.attributes.push({
        offset: this.layout.int(bytes, at),
        width: this.layout.u32(bytes, at + intSize),
        type: this.layout.u8(bytes, at + intSize + 6),
      });
    }
  }

  private readFormat(bytes: Buffer): void {
    const { intSize, u64 } = this.layout;
    if (bytes.length < (u64 ? 58 : 46)) throw new FormatError('a column format subheader is too short (corrupt file)');
    const widths = 3 * intSize;
    this.formats.push({
      formatWidth: this.layout.u16(bytes, widths),
      formatDecimals: this.layout.u16(bytes, widths + 2),
      informatWidth: this.layout.u16(bytes, widths + 4),
      informatDecimals: this.layout.u16(bytes, widths + 6),
      informat: this.textRef(bytes, u64 ? 40 : 28),
      format: this.textRef(bytes, u64 ? 46 : 34),
      label: this.textRef(bytes, u64 ? 52 : 40),
    });
  }

  private textRef(bytes: Buffer, at: number): TextRef {
    return {
      index: this.layout.u16(bytes, at),
      offset: this.layout.u16(bytes, at + 2),
      length: this.layout.u16(bytes, at + 4),
    };
  }

  private textRefIfPresent(bytes: Buffer, at: number): TextRef {
    return bytes.length >= at + 6 ? this.textRef(bytes, at) : NO_TEXT;
  }
}
