import type { PositionalReader } from '../byte-source.ts';
import { FormatError } from '../errors.ts';
import { sasFormatName, sasNumericType } from '../sas-formats.ts';
import type { ColumnInfo, DatasetInfo, ValueType } from '../types.ts';
import { sasEncoding } from './encodings.ts';
import { readSasHeader, type SasHeader } from './header.ts';
import { SasLayout } from './layout.ts';
import { type Compression, SasMetadata, type TextRef } from './metadata.ts';
import {
  COMPRESSION_DELETED_ROW,
  COMPRESSION_NONE,
  COMPRESSION_ROW,
  COMPRESSION_TRUNCATED,
  isMetadataSignature,
  PAGE_AMD,
  PAGE_COMP_BITS,
  PAGE_DATA,
  PAGE_MIX,
  PAGE_TYPE_MASK,
  readPageHeader,
  readPointers,
  readSignature,
  SIGNATURE_TEXT,
} from './page.ts';
import { PageSource } from './page-source.ts';
import type { ColumnSlot } from './row-batcher.ts';
import { SasText } from './sas-text.ts';

/** Everything the row pass needs, learnt from the header and the metadata pages. */
export interface Sas7bdatDescription {
  header: SasHeader;
  layout: SasLayout;
  info: DatasetInfo;
  slots: ColumnSlot[];
  text: SasText;
  compression: Compression;
  rowLength: number;
  /** Rows the file declares, deleted rows included. */
  totalRows: number;
  deletedRows: number;
  /** Stat/Transfer does not always pad mix pages to 8 bytes (see ReadStat). */
  statTransfer: boolean;
}

const NUMERIC = 1;
const CHARACTER = 2;
const SAS_EPOCH_MS = Date.UTC(1960, 0, 1);
/** The longest SAS character variable. */
const MAX_CHARACTER_WIDTH = 32767;

/** Amendment pages held at once when a sequential source is scanned forward for them. */
const MAX_AMENDMENT_BYTES = 64 * 1024 ** 2;

/**
 * Reads the header, then metadata pages from the start until the first page that holds rows
 * (that is where SAS has written all column descriptions), then — only when something is still
 * missing — amendment (AMD) pages from the end, as ReadStat does. Never the whole file, except
 * that a `sequential` source (a ZIP member inflating as it is read) is scanned forward for the
 * amendment pages the backward scan would take, rather than inflated again for every page back.
 */
export async function describeSas7bdat(
  file: PositionalReader,
  fileSize: number,
  fallbackName: string,
  encodingOverride?: string,
  sequential = false,
): Promise<Sas7bdatDescription> {
  const header = await readSasHeader(file, fileSize, 'SAS7BDAT');
  if (header.kind !== 'data') {
    throw new FormatError('this is a SAS format catalog (.sas7bcat), not a data set', { offset: 0 });
  }
  const layout = new SasLayout(header);
  const declared = sasEncoding(header.encodingCode);
  const text = encodingOverride
    ? new SasText({ name: encodingOverride, decoder: encodingOverride }, true)
    : new SasText(declared);
  const meta = new SasMetadata(layout);
  const source = new PageSource(file, header.headerSize, header.pageSize, header.pageCount);

  let lastScanned = header.pageCount - 1;
  for (let index = 0; index < header.pageCount; index++) {
    const page = await source.page(index);
    const { type, subheaderCount } = source.located(index, () => readPageHeader(page, layout));
    if (type & PAGE_COMP_BITS) continue;
    const base = type & PAGE_TYPE_MASK;
    if (base === PAGE_DATA) {
      lastScanned = index - 1;
      break;
    }
    if (base !== 0 && base !== PAGE_MIX && base !== PAGE_AMD) continue;
    const sawRows = source.located(index, () => readMetadataPage(page, layout, meta, subheaderCount, 'all'));
    if (base === PAGE_MIX || sawRows) {
      lastScanned = index;
      break;
    }
  }

  if ((!meta.complete || meta.unresolved) && sequential) {
    for (const { index, page } of await amendmentsReadForward(source, layout, lastScanned + 1)) {
      const { subheaderCount } = source.located(index, () => readPageHeader(page, layout));
      const wanted = meta.complete ? 'text' : 'all';
      source.located(index, () => readMetadataPage(page, layout, meta, subheaderCount, wanted));
    }
  } else if (!meta.complete || meta.unresolved) {
    let amendments = 0;
    for (let index = header.pageCount - 1; index > lastScanned; index--) {
      const page = await source.page(index);
      const { type, subheaderCount } = source.located(index, () => readPageHeader(page, layout));
      if (type & PAGE_COMP_BITS) continue;
      const base = type & PAGE_TYPE_MASK;
      // AMD pages usually come last, but data pages have been seen after them.
      if (base === PAGE_DATA && amendments > 0) break;
      if (base !== PAGE_AMD) continue;
      const wanted = meta.complete ? 'text' : 'all';
      source.located(index, () => readMetadataPage(page, layout, meta, subheaderCount, wanted));
      amendments++;
    }
  }

  return finish(header, layout, meta, text, fallbackName);
}

/**
 * The amendment pages the backward scan takes (the last run of them, up to the data page before
 * it), found reading forward from `from`, in the backward scan's order (last page first).
 */
async function amendmentsReadForward(
  source: PageSource,
  layout: SasLayout,
  from: number,
): Promise<{ index: number; page: Buffer }[]> {
  let chosen: { index: number; page: Buffer }[] = [];
  let current: { index: number; page: Buffer }[] = [];
  for await (const { index, page } of source.pages(from)) {
    const { type } = source.located(index, () => readPageHeader(page, layout));
    if (type & PAGE_COMP_BITS) continue;
    const base = type & PAGE_TYPE_MASK;
    if (base === PAGE_DATA && current.length > 0) {
      chosen = current;
      current = [];
    } else if (base === PAGE_AMD) {
      if ((current.length + 1) * source.pageSize > MAX_AMENDMENT_BYTES) {
        throw new FormatError(
          'too many amendment pages to read inside a ZIP archive; upload the file on its own (not zipped)',
          { offset: source.offsetOf(index) },
        );
      }
      current.push({ index, page: Buffer.from(page) });
    }
  }
  return (current.length > 0 ? current : chosen).reverse();
}

/** Parses the metadata subheaders of one page; true when the page also holds row data. */
function readMetadataPage(
  page: Buffer,
  layout: SasLayout,
  meta: SasMetadata,
  subheaderCount: number,
  wanted: 'all' | 'text',
): boolean {
  let sawRows = false;
  for (const pointer of readPointers(page, layout, subheaderCount)) {
    if (pointer.length === 0 || pointer.compression === COMPRESSION_TRUNCATED) continue;
    if (pointer.compression === COMPRESSION_ROW || pointer.compression === COMPRESSION_DELETED_ROW) {
      sawRows = true;
      continue;
    }
    if (pointer.compression !== COMPRESSION_NONE) continue;
    const signature = readSignature(page, pointer, layout);
    if (!isMetadataSignature(signature)) {
      if (pointer.dataType === 1) sawRows = true;
      continue;
    }
    const bytes = page.subarray(pointer.offset, pointer.offset + pointer.length);
    if (wanted === 'all') meta.read(signature, bytes);
    else if (signature === SIGNATURE_TEXT) meta.readText(bytes);
  }
  return sawRows;
}

function finish(
  header: SasHeader,
  layout: SasLayout,
  meta: SasMetadata,
  text: SasText,
  fallbackName: string,
): Sas7bdatDescription {
  const rowLength = meta.rowLength;
  const columnCount = meta.columnCount;
  const short = (seen: number) => seen === 0 || (columnCount !== undefined && seen < columnCount);
  const missing = [
    rowLength === undefined || meta.totalRows === undefined ? 'row size' : '',
    columnCount === undefined ? 'column count' : '',
    short(meta.names.length) ? 'column names' : '',
    short(meta.attributes.length) ? 'column types and positions' : '',
    short(meta.formats.length) ? 'column formats and labels' : '',
  ].filter(Boolean);
  if (rowLength === undefined || meta.totalRows === undefined || columnCount === undefined || missing.length > 0) {
    throw new FormatError(
      `the file lacks the description of its ${missing.join(', ')} (malformed or truncated file; no rows can be read)`,
    );
  }
  if (meta.unresolved) {
    throw new FormatError('column names or labels refer to text the file does not contain (corrupt file)');
  }
  const resolve = (ref: TextRef, what: string): string => {
    if (ref.length === 0) return '';
    const blob = meta.textBlobs[ref.index];
    if (!blob || ref.offset + ref.length > blob.length) {
      throw new FormatError(`${what} refers to text outside the column text (corrupt file)`);
    }
    return text.text(blob, ref.offset, ref.offset + ref.length);
  };

  const columns: ColumnInfo[] = [];
  const slots: ColumnSlot[] = [];
  for (let i = 0; i < columnCount; i++) {
    const where = `column ${(i + 1).toLocaleString('en-US')}`;
    const name = resolve(meta.names[i] as TextRef, `the name of ${where}`);
    if (!name) throw new FormatError(`${where} has no name (corrupt file)`);
    const attributes = meta.attributes[i];
    const format = meta.formats[i];
    if (!attributes || !format) throw new FormatError(`${where} is not fully described (corrupt file)`);
    const { offset, width, type } = attributes;
    if (type !== NUMERIC && type !== CHARACTER) {
      throw new FormatError(
        `column ${name} has no valid type (code ${type}; expected 1 numeric or 2 character) — malformed file`,
        { column: name },
      );
    }
    const numeric = type === NUMERIC;
    if (numeric ? width < 1 || width > 8 : width < 1 || width > MAX_CHARACTER_WIDTH) {
      throw new FormatError(`column ${name} has an impossible width of ${width} bytes (corrupt file)`, {
        column: name,
      });
    }
    if (offset + width > rowLength) {
      throw new FormatError(
        `column ${name} lies outside the ${rowLength.toLocaleString('en-US')}-byte row (corrupt file)`,
        { column: name },
      );
    }
    const formatText = formatString(
      resolve(format.format, `the format of ${name}`),
      format.formatWidth,
      format.formatDecimals,
    );
    const informatText = formatString(
      resolve(format.informat, `the informat of ${name}`),
      format.informatWidth,
      format.informatDecimals,
    );
    const label = resolve(format.label, `the label of ${name}`);
    const valueType = numeric ? numericType(formatText) : 'string';
    const column: ColumnInfo = { name, type: valueType, length: width };
    if (label) column.label = label;
    if (formatText) column.format = formatText;
    if (informatText) column.informat = informatText;
    columns.push(column);
    slots.push({ name, numeric, offset, width, type: valueType });
  }
  if (meta.totalRows > 0 && columnCount > 0 && rowLength === 0) {
    throw new FormatError('the file declares rows of zero bytes (corrupt file)');
  }
  // Rows are whole on a page; compressed rows hold at most their columns (8-byte aligned).
  const widths = slots.reduce((sum, slot) => sum + slot.width, 0);
  if (rowLength > Math.max(header.pageSize, Math.ceil(widths / 8) * 8 + 8)) {
    throw new FormatError(
      `the file declares rows of ${rowLength.toLocaleString('en-US')} bytes, more than its columns and pages hold (corrupt file)`,
    );
  }
  if (meta.deletedRows > meta.totalRows) {
    throw new FormatError('the file declares more deleted rows than rows (corrupt file)');
  }

  const name = text.text(header.nameBytes, 0, header.nameBytes.length) || fallbackName;
  const info: DatasetInfo = {
    name,
    columns,
    declaredRows: meta.totalRows - meta.deletedRows,
    metadata: fileMetadata(header, meta, resolve),
  };
  const fileLabel = resolve(meta.fileLabel, 'the data set label');
  if (fileLabel) info.label = fileLabel;
  const encoding = sasEncoding(header.encodingCode);
  if (encoding) info.encoding = encoding.name;
  if (text.overridden) info.metadata = { ...info.metadata, 'sas.decodedAs': text.encodingName };

  return {
    header,
    layout,
    info,
    slots,
    text,
    compression: meta.compression,
    rowLength,
    totalRows: meta.totalRows,
    deletedRows: meta.deletedRows,
    statTransfer: /^[89]\.0000M0/.test(header.release),
  };
}

/**
 * The shared classification, except for E8601DN/B8601DN: SAS documents them as writing "the date
 * of a datetime value", and parso's files hold datetimes under them; read as dates, their values
 * would land millions of years off. (To be fixed in sas-formats.ts, which this module does not own.)
 */
const DATETIME_VALUED_DATE_FORMATS = new Set(['E8601DN', 'B8601DN']);

function numericType(format: string | undefined): ValueType {
  if (format && DATETIME_VALUED_DATE_FORMATS.has(sasFormatName(format))) return 'datetime';
  return sasNumericType(format);
}

/** `DATE` 9 0 → `DATE9.`, `` 8 2 → `8.2`, `$CHAR` 20 → `$CHAR20.`, `DATETIME` 0 → `DATETIME.`. */
export function formatString(name: string, width: number, decimals: number): string | undefined {
  if (!name && width === 0) return undefined;
  return `${name}${width > 0 ? width : ''}.${decimals > 0 ? decimals : ''}`;
}

function fileMetadata(
  header: SasHeader,
  meta: SasMetadata,
  resolve: (ref: TextRef, what: string) => string,
): Record<string, string> {
  const metadata: Record<string, string> = {
    'sas.format': 'sas7bdat',
    'sas.byteOrder': header.littleEndian ? 'little-endian' : 'big-endian',
    'sas.wordSize': header.u64 ? '64' : '32',
    'sas.compression': meta.compression,
  };
  const put = (key: string, value: string | undefined) => {
    if (value) metadata[key] = value;
  };
  put('sas.release', header.release);
  put('sas.host', header.host);
  put('sas.os', [header.osName || header.osMaker, header.osVersion].filter(Boolean).join(' '));
  put('sas.created', sasTimestamp(header.created));
  put('sas.modified', sasTimestamp(header.modified));
  put('sas.creator', resolve(meta.creator, 'the creator'));
  put('sas.creatorProc', resolve(meta.creatorProc, 'the creator procedure'));
  if (meta.deletedRows > 0) put('sas.deletedRows', String(meta.deletedRows));
  return metadata;
}

/** SAS timestamps count seconds from 1960 in the writer's local time: an ISO string without zone. */
function sasTimestamp(seconds: number): string | undefined {
  if (!Number.isFinite(seconds) || seconds === 0) return undefined;
  const date = new Date(SAS_EPOCH_MS + seconds * 1000);
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString().replace(/Z$/, '');
}
