import { sasFormatName } from '../sas-formats.ts';
import type { ColumnInfo, DatasetReader } from '../types.ts';
import { PAGE_META } from './page.ts';
import type { SasWriteFormat } from './write-format.ts';
import { type RowLayout, SAS_EPOCH_SECONDS } from './write-layout.ts';

/**
 * The writer's header and metadata pages: row size, column size, column text, names, attributes,
 * one format-and-label subheader per column — what SAS, ReadStat and pandas need to read rows.
 * Offsets are given for 64-bit files and move with the integer width in 32-bit ones, as in the
 * reader (metadata.ts) and the Shotwell/Cummins specification.
 */

/** What the rows are compressed with: named in the first column text blob. */
export type WriteCompression = 'none' | 'rle' | 'rdc';
const COMPRESSION_LITERALS: Record<WriteCompression, string> = {
  none: '        ',
  rle: 'SASYZCRL',
  rdc: 'SASYZCR2',
};

const UTF8 = 20;
const MAGIC = '000000000000000000000000c2ea8160b31411cfbd92080009c7318c181f1011';

/** Later blobs keep room for their length field, 4-byte aligned like the strings. */
const CONTINUATION_LEAD = 12;

/** Column text: strings packed 4-byte aligned into text blobs of at most ~32 KB, deduplicated. */
class TextStore {
  readonly blobs: Buffer[] = [];
  private current: Buffer[] = [];
  private currentLength = 0;
  private readonly known = new Map<string, [number, number, number]>();

  constructor(compression: WriteCompression) {
    // Every blob starts with its 2-byte length; bytes 12–19 of the first one name the compression.
    const lead = Buffer.alloc(20);
    lead.write(COMPRESSION_LITERALS[compression], 12, 'latin1');
    this.current.push(lead);
    this.currentLength = lead.length;
  }

  ref(text: string | undefined): [number, number, number] {
    if (!text) return [0, 0, 0];
    const existing = this.known.get(text);
    if (existing) return existing;
    const bytes = Buffer.from(text, 'utf8');
    const padded = Buffer.alloc(Math.ceil(bytes.length / 4) * 4);
    bytes.copy(padded);
    if (this.currentLength + padded.length > 32_000) this.close();
    const ref: [number, number, number] = [this.blobs.length, this.currentLength, bytes.length];
    this.current.push(padded);
    this.currentLength += padded.length;
    this.known.set(text, ref);
    return ref;
  }

  /** Ends the last blob. */
  finish(): void {
    this.blobs.push(Buffer.concat(this.current));
    this.current = [];
  }

  private close(): void {
    if (this.current.length === 0) return;
    this.blobs.push(Buffer.concat(this.current));
    this.current = [Buffer.alloc(CONTINUATION_LEAD)];
    this.currentLength = CONTINUATION_LEAD;
  }
}

interface ParsedFormat {
  name: string;
  width: number;
  decimals: number;
}

function parseFormat(format: string | undefined): ParsedFormat {
  if (!format) return { name: '', width: 0, decimals: 0 };
  const name = sasFormatName(format);
  const rest = format.trim().toUpperCase().slice(name.length);
  const match = /^(\d*)\.?(\d*)$/.exec(rest);
  return { name, width: Number(match?.[1] || 0), decimals: Number(match?.[2] || 0) };
}

const DEFAULT_FORMATS: Partial<Record<ColumnInfo['type'], string>> = {
  date: 'DATE9.',
  datetime: 'DATETIME20.',
  time: 'TIME8.',
};

type Ref = [number, number, number];

/** Builds the subheaders of one file's format. */
class Subheaders {
  constructor(private readonly format: SasWriteFormat) {}

  make(signature: number, length: number): Buffer {
    const bytes = Buffer.alloc(length);
    this.format.signature(bytes, 0, signature);
    return bytes;
  }

  /**
   * Names, attributes and column text carry a 2-byte length after their signature: the
   * subheader less its signature, those 2 bytes and 2 + signature-width bytes at the end (ReadStat checks it).
   */
  withRemainder(signature: number, length: number): Buffer {
    const bytes = this.make(signature, length);
    this.format.u16(bytes, this.format.intSize, length - 4 - 2 * this.format.intSize);
    return bytes;
  }

  ref(bytes: Buffer, at: number, [index, offset, length]: Ref): void {
    this.format.u16(bytes, at, index);
    this.format.u16(bytes, at + 2, offset);
    this.format.u16(bytes, at + 4, length);
  }
}

/** Column names and attributes per subheader: keeps each well under the 2-byte length SAS gives it. */
const ENTRIES_PER_SUBHEADER = 2000;

export function metadataPages(
  dataset: DatasetReader,
  layout: RowLayout,
  compression: WriteCompression,
  pageSize: number,
  format: SasWriteFormat,
) {
  const { intSize, u64 } = format;
  const build = new Subheaders(format);
  const text = new TextStore(compression);
  const { info } = dataset;
  const names = layout.columns.map((c) => text.ref(c.info.name));
  const formats = layout.columns.map((c) => parseFormat(c.info.format ?? DEFAULT_FORMATS[c.info.type]));
  const informats = layout.columns.map((c) => parseFormat(c.info.informat));
  const formatRefs = formats.map((f) => text.ref(f.name));
  const informatRefs = informats.map((f) => text.ref(f.name));
  const labelRefs = layout.columns.map((c) => text.ref(c.info.label));
  const fileLabel = text.ref(info.label);
  text.finish();

  // Field n of the row size subheader sits at n integer widths; the file label's reference at 678|350.
  const rowSize = build.make(0xf7f7f7f7, u64 ? 808 : 480);
  format.int(rowSize, 5 * intSize, layout.rowLength);
  format.int(rowSize, 9 * intSize, layout.columns.length);
  format.int(rowSize, 13 * intSize, pageSize);
  format.int(rowSize, 15 * intSize, compression === 'none' ? format.rowsPerDataPage(pageSize, layout.rowLength) : 0);
  rowSize.fill(0xff, 16 * intSize, 18 * intSize);
  build.ref(rowSize, u64 ? 678 : 350, fileLabel);

  const columnSize = build.make(0xf6f6f6f6, 3 * intSize);
  format.int(columnSize, intSize, layout.columns.length);

  // Row size, column size and the formats are pointer type 0, the column family type 1 (as SAS writes them).
  const subheaders: { bytes: Buffer; dataType: number }[] = [
    { bytes: rowSize, dataType: 0 },
    { bytes: columnSize, dataType: 0 },
  ];
  for (const blob of text.blobs) {
    // Signature, the blob (its first 2 bytes: its own length), 4 + signature-width bytes of padding.
    const bytes = build.withRemainder(0xfffffffd, intSize + blob.length + 4 + intSize);
    blob.copy(bytes, intSize + 2, 2);
    subheaders.push({ bytes, dataType: 1 });
  }
  // Entries start after the signature and 8 bytes; 12 bytes end the subheader.
  for (let first = 0; first < layout.columns.length; first += ENTRIES_PER_SUBHEADER) {
    const chunk = names.slice(first, first + ENTRIES_PER_SUBHEADER);
    const bytes = build.withRemainder(0xffffffff, intSize + 8 + 8 * chunk.length + 12);
    for (const [i, ref] of chunk.entries()) build.ref(bytes, intSize + 8 + 8 * i, ref);
    subheaders.push({ bytes, dataType: 1 });
  }
  const stride = intSize + 8;
  for (let first = 0; first < layout.columns.length; first += ENTRIES_PER_SUBHEADER) {
    const chunk = layout.columns.slice(first, first + ENTRIES_PER_SUBHEADER);
    const bytes = build.withRemainder(0xfffffffc, intSize + 8 + stride * chunk.length + 12);
    chunk.forEach((plan, i) => {
      const at = intSize + 8 + stride * i;
      format.int(bytes, at, plan.offset);
      format.u32(bytes, at + intSize, plan.width);
      format.u16(bytes, at + intSize + 4, Buffer.byteLength(plan.info.name) <= 8 ? 4 : 2048);
      bytes[at + intSize + 6] = plan.numeric ? 1 : 2;
    });
    subheaders.push({ bytes, dataType: 1 });
  }
  // Format widths at 3 integer widths, then the informat, format and label references.
  const refsAt = u64 ? 40 : 28;
  layout.columns.forEach((_, c) => {
    const bytes = build.make(0xfffffbfe, u64 ? 64 : 52);
    const parsed = formats[c] as ParsedFormat;
    const informat = informats[c] as ParsedFormat;
    format.u16(bytes, 3 * intSize, parsed.width);
    format.u16(bytes, 3 * intSize + 2, parsed.decimals);
    format.u16(bytes, 3 * intSize + 4, informat.width);
    format.u16(bytes, 3 * intSize + 6, informat.decimals);
    build.ref(bytes, refsAt, informatRefs[c] as Ref);
    build.ref(bytes, refsAt + 6, formatRefs[c] as Ref);
    build.ref(bytes, refsAt + 12, labelRefs[c] as Ref);
    subheaders.push({ bytes, dataType: 0 });
  });

  // Pointers from the top, subheaders from the bottom; a new page when the next one does not fit.
  const { pageHeaderSize, pointerSize } = format;
  const pages: Buffer[] = [];
  let page = Buffer.alloc(pageSize);
  let pointers = 0;
  let dataStart = pageSize;
  const close = () => {
    format.pageHeader(page, PAGE_META, pointers, pointers, dataStart - pageHeaderSize - pointers * pointerSize);
    pages.push(page);
  };
  for (const { bytes, dataType } of subheaders) {
    if (pageHeaderSize + (pointers + 1) * pointerSize > dataStart - bytes.length) {
      if (pointers === 0) throw new Error(`writeSas7bdat: metadata of ${bytes.length} bytes does not fit a page`);
      close();
      page = Buffer.alloc(pageSize);
      pointers = 0;
      dataStart = pageSize;
    }
    dataStart -= bytes.length;
    bytes.copy(page, dataStart);
    format.pointer(page, pointers, dataStart, bytes.length, 0, dataType);
    pointers++;
  }
  close();

  return {
    pages,
    /** The row count lives in the row size subheader: patched once all rows are written. */
    setRowCount(rows: number) {
      const first = pages[0] as Buffer;
      // The row size subheader is the first one written: at the very end of the first page.
      format.int(first, pageSize - rowSize.length + 6 * intSize, rows);
    },
  };
}

/**
 * The file header. Bytes 32–39: 64-bit layout or not, the 4-byte pad before the timestamps (64-bit
 * files here), the byte order, Unix; the fields after the timestamps move with that pad.
 */
export function header(name: string, pageSize: number, pageCount: number, format: SasWriteFormat): Buffer {
  const { headerSize, pad1, u64 } = format;
  const bytes = Buffer.alloc(headerSize);
  Buffer.from(MAGIC, 'hex').copy(bytes, 0);
  const ALIGNED = 0x33;
  const UNALIGNED = 0x22;
  Buffer.from([
    u64 ? ALIGNED : UNALIGNED,
    0x22,
    0x00,
    pad1 ? ALIGNED : UNALIGNED,
    0x33,
    format.littleEndian ? 0x01 : 0x00,
    0x02,
    0x31,
  ]).copy(bytes, 32);
  Buffer.from([0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, UTF8, 0x00, 0x00, 0x03, 0x01, 0x18, 0x1f, 0x10, 0x11]).copy(
    bytes,
    40,
  );
  bytes.copy(bytes, 56, 32, 40);
  Buffer.from([0x01, 0x33, 0x01, 0x23, 0x33, 0x00, UTF8, UTF8, 0x00, 0x20, 0x03, 0x01]).copy(bytes, 64);
  bytes.write('SAS FILE', 84, 'latin1');
  // The member name: blank-padded to 32 bytes, NULs after.
  bytes.fill(0x20, 92, 124);
  Buffer.from(name, 'utf8').subarray(0, 32).copy(bytes, 92);
  bytes.write('DATA    ', 156, 'latin1');
  const now = Date.now() / 1000 + SAS_EPOCH_SECONDS;
  format.f64(bytes, 164 + pad1, now);
  format.f64(bytes, 172 + pad1, now);
  format.u32(bytes, 196 + pad1, headerSize);
  format.u32(bytes, 200 + pad1, pageSize);
  format.int(bytes, 204 + pad1, pageCount);
  const text = 216 + pad1 + (u64 ? 4 : 0);
  bytes.write('9.0401M6', text, 'latin1');
  bytes.write('Linux', text + 8, 'latin1');
  bytes.write(u64 ? 'x86_64' : 'i686', text + 56, 'latin1');
  return bytes;
}
