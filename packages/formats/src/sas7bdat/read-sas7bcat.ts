import { type FileHandle, open } from 'node:fs/promises';
import path from 'node:path';
import { FormatError } from '../errors.ts';
import { sasEncoding } from './encodings.ts';
import { fileError } from './file-error.ts';
import { readSasHeader, type SasHeader } from './header.ts';
import { SasLayout } from './layout.ts';
import { missingKind } from './row-batcher.ts';
import { SasText } from './sas-text.ts';

/** Format name (upper case, `$` kept for character formats) → value → label. */
export type SasCatalog = Map<string, Map<number | string, string>>;

/**
 * Reads the value labels of a SAS format catalog (.sas7bcat), following ReadStat's
 * readstat_sas7bcat_read.c: page 2 and every later page that starts with "XLSR" index the
 * catalog's blocks; each block is a chain of page fragments holding one format (name, then value
 * entries, then labels). Only discrete values are read; ranges (`low-high`) and OTHER are not.
 * Numeric values are keyed as numbers, special missing values as `.`, `._`, `.A`..`.Z`.
 * Every pointer and length is bounds-checked: a corrupt catalog throws FormatError.
 */
export async function readSasCatalog(filePath: string, options: { fileName?: string } = {}): Promise<SasCatalog> {
  const fileName = options.fileName ?? path.basename(filePath);
  const file = await open(filePath, 'r');
  try {
    const { size } = await file.stat();
    return await new CatalogReader(file, size).read();
  } catch (error) {
    throw fileError(error, fileName);
  } finally {
    await file.close();
  }
}

/** The first index page, and the number of leading pages that hold no index. */
const FIRST_INDEX_PAGE = 1;
const UNINDEXED_PAGES = 3;
/** A format with more bytes than this is a corrupt chain, not a real catalog entry. */
const MAX_BLOCK_BYTES = 1 << 24;

interface BlockPointer {
  page: number;
  position: number;
}

class CatalogReader {
  private header!: SasHeader;
  private layout!: SasLayout;
  private text!: SasText;
  private readonly catalog: SasCatalog = new Map();

  constructor(
    private readonly file: FileHandle,
    private readonly size: number,
  ) {}

  async read(): Promise<SasCatalog> {
    this.header = await readSasHeader(this.file, this.size, 'SAS catalog');
    if (this.header.kind !== 'catalog') {
      throw new FormatError('this is a SAS data set (.sas7bdat), not a format catalog', { offset: 0 });
    }
    this.layout = new SasLayout(this.header);
    this.text = new SasText(sasEncoding(this.header.encodingCode));
    const { u64, pad1, pageCount } = this.header;
    const xlsrSize = 212 + pad1 + (u64 ? 72 : 0);
    const xlsrFlagAt = 50 + pad1 + (u64 ? 24 : 0);
    const firstIndexAt = 856 + 2 * pad1 + (u64 ? 144 : 0);

    const pointers: BlockPointer[] = [];
    if (pageCount > FIRST_INDEX_PAGE) {
      const page = await this.page(FIRST_INDEX_PAGE);
      this.collectIndex(page, firstIndexAt, xlsrSize, xlsrFlagAt, pointers);
    }
    for (let index = UNINDEXED_PAGES; index < pageCount; index++) {
      const page = await this.page(index);
      if (page.toString('latin1', 16, 20) === 'XLSR') this.collectIndex(page, 16, xlsrSize, xlsrFlagAt, pointers);
    }
    const unique = new Map<string, BlockPointer>();
    for (const pointer of pointers) unique.set(`${pointer.page}:${pointer.position}`, pointer);
    for (const pointer of unique.values()) {
      const block = await this.block(pointer);
      if (block.length > 0) this.parseBlock(block);
    }
    return this.catalog;
  }

  private async page(index: number): Promise<Buffer> {
    const { headerSize, pageSize } = this.header;
    const page = Buffer.alloc(pageSize);
    await this.readAt(page, headerSize + index * pageSize);
    return page;
  }

  private async readAt(target: Buffer, position: number): Promise<void> {
    if (position + target.length > this.size) {
      throw new FormatError('the catalog points past its end (truncated or corrupt file)', { offset: position });
    }
    let done = 0;
    while (done < target.length) {
      const { bytesRead } = await this.file.read(target, done, target.length - done, position + done);
      if (bytesRead === 0)
        throw new FormatError('the catalog ends early (truncated file)', { offset: position + done });
      done += bytesRead;
    }
  }

  private collectIndex(page: Buffer, start: number, size: number, flagAt: number, into: BlockPointer[]): void {
    const { u64 } = this.header;
    let at = start;
    while (at + size <= page.length) {
      // Some index entries carry 8 bytes of padding before their tag.
      if (page.toString('latin1', at, at + 4) !== 'XLSR') at += 8;
      if (at + size > page.length || page.toString('latin1', at, at + 4) !== 'XLSR') break;
      if (page[at + flagAt] === 0x4f /* 'O' */) {
        into.push({
          page: u64 ? this.layout.u32(page, at + 8) : this.layout.u16(page, at + 4),
          position: u64 ? this.layout.u32(page, at + 16) : this.layout.u16(page, at + 8),
        });
      }
      at += size;
    }
  }

  /** Follows a chain of (next page, next position, length) links and joins the fragments. */
  private async block(start: BlockPointer): Promise<Buffer> {
    const { u64, headerSize, pageSize, pageCount } = this.header;
    const linkSize = u64 ? 32 : 16;
    const parts: Buffer[] = [];
    let total = 0;
    let { page, position } = start;
    for (let links = 0; page > 0 && position > 0 && page <= pageCount; links++) {
      if (links >= pageCount) throw new FormatError('a catalog block chain loops (corrupt file)');
      const at = headerSize + (page - 1) * pageSize + position;
      const link = Buffer.alloc(linkSize);
      await this.readAt(link, at);
      page = this.layout.u32(link, 0);
      position = this.layout.u16(link, u64 ? 8 : 4);
      const length = this.layout.u16(link, u64 ? 10 : 6);
      total += length;
      if (total > MAX_BLOCK_BYTES) throw new FormatError('a catalog block is impossibly long (corrupt file)');
      const part = Buffer.alloc(length);
      await this.readAt(part, at + linkSize);
      parts.push(part);
    }
    return Buffer.concat(parts, total);
  }

  private parseBlock(data: Buffer): void {
    const { u64 } = this.header;
    let payload = u64 ? 138 : 106;
    if (data.length < payload) return;
    const flags = data[2] as number;
    let pad = flags & 0x08 ? 4 : 0;
    const capacity = this.layout.u32(data, (u64 ? 42 : 38) + pad);
    const used = this.layout.u32(data, (u64 ? 50 : 42) + pad);
    let name = this.text.text(data, 8, 16);
    if (pad) pad += 16;
    if (flags & (u64 ? 0x20 : 0x80)) {
      if (data.length < payload + pad + 32) return;
      name = this.text.text(data, payload + pad, payload + pad + 32);
      pad += 32;
    }
    payload += pad;
    if (used === 0 || data.length < payload) return;
    if (used > capacity) throw new FormatError(`format ${name} uses more labels than it holds (corrupt file)`);
    this.catalog.set(name.toUpperCase(), this.parseLabels(data.subarray(payload), used, capacity, name));
  }

  private parseLabels(entries: Buffer, used: number, capacity: number, name: string): Map<number | string, string> {
    const corrupt = () => new FormatError(`the labels of format ${name} are corrupt`);
    const character = name.startsWith('$');
    const pad1 = this.header.pad1;
    // Pass 1: value entries, each saying which label (by position) it has.
    const valueAt: number[] = new Array(used).fill(-1);
    let at = 0;
    for (let i = 0; i < capacity; i++) {
      if (at + 3 > entries.length) throw corrupt();
      const entryLength = 6 + (entries[at + 2] as number);
      if (i < used) {
        if (at + 14 + pad1 > entries.length) throw corrupt();
        const labelPosition = this.layout.u32(entries, at + 10 + pad1);
        if (labelPosition >= used) throw corrupt();
        valueAt[labelPosition] = at;
      }
      at += entryLength;
    }
    // Pass 2: labels, in label-position order.
    const labels = new Map<number | string, string>();
    let labelAt = at;
    for (let i = 0; i < used; i++) {
      const entry = valueAt[i] as number;
      if (entry < 0 || entry + 30 > entries.length || labelAt + 10 > entries.length) throw corrupt();
      const labelLength = this.layout.u16(entries, labelAt + 8);
      if (labelAt + 10 + labelLength > entries.length) throw corrupt();
      const label = this.text.text(entries, labelAt + 10, labelAt + 10 + labelLength);
      labelAt += 8 + 2 + labelLength + 1;
      labels.set(character ? this.characterValue(entries, entry, corrupt) : numericValue(entries, entry), label);
    }
    return labels;
  }

  private characterValue(entries: Buffer, entry: number, corrupt: () => FormatError): string {
    const end = entry + 6 + (entries[entry + 2] as number);
    if (end - 16 < entry || end > entries.length) throw corrupt();
    return this.text.text(entries, end - 16, end);
  }
}

/**
 * Catalog numbers are big-endian whatever the platform, stored negated; a missing value is
 * 0x0000TTFFFFFFFFFF with its tag in T (ReadStat's observation).
 */
function numericValue(entries: Buffer, entry: number): number | string {
  const bits = entries.readBigUInt64BE(entry + 22);
  if ((bits | 0xff0000000000n) === 0xffffffffffffn) {
    const kind = missingKind(~Number((bits >> 40n) & 0xffn) & 0xff);
    return `.${kind === 46 ? '' : String.fromCharCode(kind)}`;
  }
  return -entries.readDoubleBE(entry + 22);
}
