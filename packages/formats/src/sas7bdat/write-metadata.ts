import { sasFormatName } from '../sas-formats.ts';
import type { ColumnInfo, DatasetReader } from '../types.ts';
import { PAGE_META } from './page.ts';
import { HEADER_SIZE, PAGE_HEADER_SIZE, POINTER_SIZE, type RowLayout, SAS_EPOCH_SECONDS } from './write-layout.ts';

/**
 * The writer's header and metadata pages: row size, column size, column text, names, attributes,
 * one format-and-label subheader per column — what SAS, ReadStat and pandas need to read rows.
 */

const UTF8 = 20;
const MAGIC = '000000000000000000000000c2ea8160b31411cfbd92080009c7318c181f1011';

export function pageHeader(page: Buffer, type: number, blocks: number, subheaders: number, unused: number): void {
  page.writeBigUInt64LE(BigInt(unused), 24);
  page.writeUInt16LE(type, 32);
  page.writeUInt16LE(blocks, 34);
  page.writeUInt16LE(subheaders, 36);
}

/** Rows per data page: the page after its header, over the row plus one deleted-flag bit (the specification's formula). */
export function rowsPerDataPage(pageSize: number, rowLength: number): number {
  return Math.min(0xffff, Math.floor((8 * (pageSize - PAGE_HEADER_SIZE)) / (1 + 8 * rowLength)));
}

/** Later blobs keep room for their length field, 4-byte aligned like the strings. */
const CONTINUATION_LEAD = 12;

/** Column text: strings packed 4-byte aligned into text blobs of at most ~32 KB, deduplicated. */
class TextStore {
  readonly blobs: Buffer[] = [];
  private current: Buffer[] = [];
  private currentLength = 0;
  private readonly known = new Map<string, [number, number, number]>();

  constructor(compressed: boolean) {
    // Every blob starts with its 2-byte length; bytes 12–19 of the first one name the compression.
    const lead = Buffer.alloc(20);
    lead.write(compressed ? 'SASYZCRL' : '        ', 12, 'latin1');
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

function subheader(signature: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  bytes.writeUInt32LE(signature, 0);
  bytes.writeUInt32LE(signature === 0xf7f7f7f7 || signature === 0xf6f6f6f6 ? 0 : 0xffffffff, 4);
  return bytes;
}

function writeRef(bytes: Buffer, at: number, [index, offset, length]: [number, number, number]): void {
  bytes.writeUInt16LE(index, at);
  bytes.writeUInt16LE(offset, at + 2);
  bytes.writeUInt16LE(length, at + 4);
}

/** Column names and attributes per subheader: keeps each well under the 2-byte length SAS gives it. */
const ENTRIES_PER_SUBHEADER = 2000;

export function metadataPages(dataset: DatasetReader, layout: RowLayout, compressed: boolean, pageSize: number) {
  const text = new TextStore(compressed);
  const { info } = dataset;
  const names = layout.columns.map((c) => text.ref(c.info.name));
  const formats = layout.columns.map((c) => parseFormat(c.info.format ?? DEFAULT_FORMATS[c.info.type]));
  const informats = layout.columns.map((c) => parseFormat(c.info.informat));
  const formatRefs = formats.map((f) => text.ref(f.name));
  const informatRefs = informats.map((f) => text.ref(f.name));
  const labelRefs = layout.columns.map((c) => text.ref(c.info.label));
  const fileLabel = text.ref(info.label);
  text.finish();

  const rowSize = subheader(0xf7f7f7f7, 808);
  rowSize.writeBigUInt64LE(BigInt(layout.rowLength), 40);
  rowSize.writeBigUInt64LE(BigInt(layout.columns.length), 72);
  rowSize.writeBigUInt64LE(BigInt(pageSize), 104);
  rowSize.writeBigUInt64LE(BigInt(compressed ? 0 : rowsPerDataPage(pageSize, layout.rowLength)), 120);
  rowSize.fill(0xff, 128, 144);
  writeRef(rowSize, 678, fileLabel);

  const columnSize = subheader(0xf6f6f6f6, 24);
  columnSize.writeBigUInt64LE(BigInt(layout.columns.length), 8);

  const subheaders: Buffer[] = [rowSize, columnSize];
  for (const blob of text.blobs) {
    // Signature, the blob (its first 2 bytes: its own length), 12 bytes of padding.
    const bytes = subheader(0xfffffffd, 8 + blob.length + 12);
    blob.copy(bytes, 8);
    bytes.writeUInt16LE(bytes.length - 20, 8);
    subheaders.push(bytes);
  }
  for (let first = 0; first < layout.columns.length; first += ENTRIES_PER_SUBHEADER) {
    const chunk = names.slice(first, first + ENTRIES_PER_SUBHEADER);
    const bytes = subheader(0xffffffff, 28 + 8 * chunk.length);
    bytes.writeUInt16LE(bytes.length - 20, 8);
    for (const [i, ref] of chunk.entries()) writeRef(bytes, 16 + 8 * i, ref);
    subheaders.push(bytes);
  }
  for (let first = 0; first < layout.columns.length; first += ENTRIES_PER_SUBHEADER) {
    const chunk = layout.columns.slice(first, first + ENTRIES_PER_SUBHEADER);
    const bytes = subheader(0xfffffffc, 28 + 16 * chunk.length);
    bytes.writeUInt16LE(bytes.length - 20, 8);
    chunk.forEach((plan, i) => {
      const at = 16 + 16 * i;
      bytes.writeBigUInt64LE(BigInt(plan.offset), at);
      bytes.writeUInt32LE(plan.width, at + 8);
      bytes.writeUInt16LE(Buffer.byteLength(plan.info.name) <= 8 ? 4 : 2048, at + 12);
      bytes[at + 14] = plan.numeric ? 1 : 2;
    });
    subheaders.push(bytes);
  }
  layout.columns.forEach((_, c) => {
    const bytes = subheader(0xfffffbfe, 64);
    const format = formats[c] as ParsedFormat;
    const informat = informats[c] as ParsedFormat;
    bytes.writeUInt16LE(format.width, 24);
    bytes.writeUInt16LE(format.decimals, 26);
    bytes.writeUInt16LE(informat.width, 28);
    bytes.writeUInt16LE(informat.decimals, 30);
    writeRef(bytes, 40, informatRefs[c] as [number, number, number]);
    writeRef(bytes, 46, formatRefs[c] as [number, number, number]);
    writeRef(bytes, 52, labelRefs[c] as [number, number, number]);
    subheaders.push(bytes);
  });

  // Pointers from the top, subheaders from the bottom; a new page when the next one does not fit.
  const pages: Buffer[] = [];
  let page = Buffer.alloc(pageSize);
  let pointers = 0;
  let dataStart = pageSize;
  const close = () => {
    pageHeader(page, PAGE_META, pointers, pointers, dataStart - PAGE_HEADER_SIZE - pointers * POINTER_SIZE);
    pages.push(page);
  };
  for (const bytes of subheaders) {
    if (PAGE_HEADER_SIZE + (pointers + 1) * POINTER_SIZE > dataStart - bytes.length) {
      if (pointers === 0) throw new Error(`writeSas7bdat: metadata of ${bytes.length} bytes does not fit a page`);
      close();
      page = Buffer.alloc(pageSize);
      pointers = 0;
      dataStart = pageSize;
    }
    dataStart -= bytes.length;
    bytes.copy(page, dataStart);
    const at = PAGE_HEADER_SIZE + pointers * POINTER_SIZE;
    page.writeBigUInt64LE(BigInt(dataStart), at);
    page.writeBigUInt64LE(BigInt(bytes.length), at + 8);
    page[at + 17] = bytes === rowSize || bytes === columnSize || bytes.readUInt32LE(0) === 0xfffffbfe ? 0 : 1;
    pointers++;
  }
  close();

  return {
    pages,
    /** The row count lives in the row size subheader: patched once all rows are written. */
    setRowCount(rows: number) {
      const first = pages[0] as Buffer;
      const at = Number(first.readBigUInt64LE(PAGE_HEADER_SIZE));
      first.writeBigUInt64LE(BigInt(rows), at + 48);
    },
  };
}

export function header(name: string, pageSize: number, pageCount: number): Buffer {
  const bytes = Buffer.alloc(HEADER_SIZE);
  Buffer.from(MAGIC, 'hex').copy(bytes, 0);
  // 64-bit layout, 4-byte pad before the timestamps, little-endian, Unix (bytes 32–39, then a copy at 56).
  Buffer.from([0x33, 0x22, 0x00, 0x33, 0x33, 0x01, 0x02, 0x31]).copy(bytes, 32);
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
  bytes.writeDoubleLE(now, 168);
  bytes.writeDoubleLE(now, 176);
  bytes.writeUInt32LE(HEADER_SIZE, 200);
  bytes.writeUInt32LE(pageSize, 204);
  bytes.writeBigUInt64LE(BigInt(pageCount), 208);
  bytes.write('9.0401M6', 224, 'latin1');
  bytes.write('Linux', 232, 'latin1');
  bytes.write('x86_64', 280, 'latin1');
  return bytes;
}
