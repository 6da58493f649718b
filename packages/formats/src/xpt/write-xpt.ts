import type { FileHandle } from 'node:fs/promises';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FormatError, type FormatErrorLocation } from '../errors.ts';
import { sasFormatName } from '../sas-formats.ts';
import type { ColumnInfo, DatasetInfo, DatasetReader, RowBatch, ValueType } from '../types.ts';
import { encodeIbmFloat, encodeIbmMissing, IBM_LIMIT } from './ibm-float.ts';
import { encodeWindows1252, encodeWindows1252Into } from './sas-text.ts';

export interface WriteXptOptions {
  /** Creation time written into the headers (as UTC); defaults to now. */
  created?: Date;
  /** Directory for the temporary copy of a dataset whose character lengths are not declared. */
  tempDir?: string;
}

const RECORD = 80;
const MAX_CHARACTER_LENGTH = 200;
const MAX_LABEL_BYTES = 40;
const SAS_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,7}$/;
const RESERVED_NAMES = new Set(['_N_', '_ERROR_']);
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
/** Days and seconds between 1960-01-01 (SAS) and 1970-01-01 (this package). */
const EPOCH_DAYS = 3653;
const EPOCH_SECONDS = EPOCH_DAYS * 86_400;
const DEFAULT_FORMATS: Partial<Record<ValueType, string>> = { date: 'DATE9.', datetime: 'DATETIME20.', time: 'TIME8.' };
const SAS_VERSION = '9.4';
const OS = 'CDP';

/**
 * Writes datasets as a SAS transport (XPORT) version 5 file, the format FDA submissions require:
 * names of at most 8 characters (written upper-case), labels of at most 40, character values of at
 * most 200 bytes, numbers as IBM doubles, text in Windows-1252. Anything the format cannot hold
 * is a `FormatError` naming the dataset, column and row; nothing is truncated or replaced silently.
 *
 * Dates, datetimes and times go back to SAS units with DATE9., DATETIME20. and TIME8. unless the
 * column has a format. NaN becomes `.`, or the special missing value in `RowBatch.missing`.
 *
 * A character column's length is its declared `length`. Datasets whose character columns all
 * declare one stream straight to the file. Otherwise the rows go to a temporary file first (at
 * the 200-byte maximum), while the longest value is measured, and are then copied at that
 * width: memory stays bounded, disk use is at most one dataset's worth.
 *
 * On failure the partial output is removed.
 *
 * One limit of the format itself: a dataset of character columns only, with observations shorter
 * than 80 bytes, whose last observations are entirely blank, reads back without them, because
 * they cannot be told from the blanks that pad the last record (SAS reads them the same way).
 */
export async function writeXpt(
  file: string,
  datasets: AsyncIterable<DatasetReader> | Iterable<DatasetReader>,
  options: WriteXptOptions = {},
): Promise<void> {
  const created = sasTimestamp(options.created ?? new Date());
  const output = new RecordWriter(await open(file, 'w'));
  try {
    output.text(`HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!${'0'.repeat(30)}  `);
    output.text(
      `${pad('SAS', 8)}${pad('SAS', 8)}${pad('SASLIB', 8)}${pad(SAS_VERSION, 8)}${pad(OS, 8)}${' '.repeat(24)}${created}`,
    );
    output.text(pad(created, RECORD));
    for await (const dataset of datasets) {
      await writeDataset(output, dataset, { file: path.basename(file), created, tempDir: options.tempDir ?? tmpdir() });
    }
    await output.close();
  } catch (error) {
    await output.close().catch(() => undefined);
    await rm(file, { force: true });
    throw error;
  }
}

interface ColumnPlan {
  info: ColumnInfo;
  name: string;
  label: Uint8Array;
  numeric: boolean;
  type: ValueType;
  /** Bytes in the observation; for an undeclared character length, the current maximum. */
  length: number;
  declared: boolean;
  position: number;
  format: SasFormat;
  informat: SasFormat;
  /** Longest value seen, for undeclared character lengths. */
  longest: number;
}

interface SasFormat {
  name: string;
  width: number;
  decimals: number;
}

interface Where {
  file: string;
  dataset: string;
}

const NO_FORMAT: SasFormat = { name: '', width: 0, decimals: 0 };

interface Target {
  /** The output's name, for error messages. */
  file: string;
  created: string;
  tempDir: string;
}

async function writeDataset(output: RecordWriter, dataset: DatasetReader, target: Target): Promise<void> {
  const { info } = dataset;
  const { created, tempDir } = target;
  const name = checkName(info.name, 'dataset', { file: target.file, dataset: info.name });
  const where: Where = { file: target.file, dataset: name };
  const label = encodeLabel(info.label ?? '', where);
  const columns = planColumns(info, where);

  if (columns.every((c) => c.declared)) {
    writeMemberHeader(output, name, label, columns, created);
    await encodeRows(dataset, columns, where, output);
    output.padRecord(0x20);
    return;
  }

  // Undeclared character lengths: stage rows at the widest width, then copy them narrowed.
  for (const c of columns) if (!c.declared) c.length = MAX_CHARACTER_LENGTH;
  assignPositions(columns);
  const stagedLength = observationLength(columns);
  const dir = await mkdtemp(path.join(tempDir, 'cdp-xpt-'));
  try {
    const stagedFile = path.join(dir, 'rows');
    const staged = new RecordWriter(await open(stagedFile, 'w'));
    let rows: number;
    try {
      rows = await encodeRows(dataset, columns, where, staged);
    } finally {
      await staged.close();
    }
    const stagedPositions = columns.map((c) => c.position);
    const stagedLengths = columns.map((c) => c.length);
    for (const c of columns) if (!c.declared) c.length = Math.max(1, c.longest);
    assignPositions(columns);
    writeMemberHeader(output, name, label, columns, created);
    await copyNarrowed(stagedFile, rows, stagedLength, columns, stagedPositions, stagedLengths, output);
    output.padRecord(0x20);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function planColumns(info: DatasetInfo, where: Where): ColumnPlan[] {
  const seen = new Set<string>();
  const columns = info.columns.map((column): ColumnPlan => {
    const at = { ...where, column: column.name };
    const name = checkName(column.name, 'column', at);
    if (seen.has(name)) throw new FormatError(`two columns are named ${name} (SAS names are case-insensitive)`, at);
    seen.add(name);
    const numeric = column.type !== 'string';
    let length = 8;
    let declared = true;
    if (!numeric) {
      if (column.length === undefined) {
        declared = false;
      } else if (!Number.isInteger(column.length) || column.length < 1 || column.length > MAX_CHARACTER_LENGTH) {
        throw new FormatError(
          `character length ${column.length} is outside 1..${MAX_CHARACTER_LENGTH}, the transport version 5 limits`,
          at,
        );
      } else {
        length = column.length;
      }
    }
    const format = parseFormat(column.format ?? DEFAULT_FORMATS[column.type], 'format', at);
    const informat = parseFormat(column.informat, 'informat', at);
    return {
      info: column,
      name,
      label: encodeLabel(column.label ?? '', at),
      numeric,
      type: column.type,
      length,
      declared,
      position: 0,
      format,
      informat,
      longest: 0,
    };
  });
  assignPositions(columns);
  return columns;
}

function checkName(name: string, what: string, at: FormatErrorLocation): string {
  if (!SAS_NAME.test(name)) {
    const reason =
      name.length > 8
        ? `${what} name "${name}" is longer than 8 characters, the transport version 5 limit`
        : `${what} name "${name}" is not a SAS name (a letter or _ then letters, digits or _)`;
    throw new FormatError(reason, at);
  }
  const upper = name.toUpperCase();
  if (RESERVED_NAMES.has(upper)) throw new FormatError(`${what} name ${upper} is reserved by SAS`, at);
  return upper;
}

function encodeLabel(label: string, at: FormatErrorLocation): Uint8Array {
  const bytes = encodeWindows1252(label);
  if (typeof bytes === 'number') {
    throw new FormatError(`the label has a character Windows-1252 cannot encode: "${label.charAt(bytes)}"`, at);
  }
  if (bytes.length > MAX_LABEL_BYTES) {
    throw new FormatError(
      `the label is ${bytes.length} characters, over the transport version 5 limit of ${MAX_LABEL_BYTES}`,
      at,
    );
  }
  return bytes;
}

/** `DATE9.` → DATE/9/0, `8.2` → ''/8/2, `$CHAR20.` → $CHAR/20/0. */
function parseFormat(text: string | undefined, what: string, at: FormatErrorLocation): SasFormat {
  if (!text) return NO_FORMAT;
  const name = sasFormatName(text);
  const rest = /^(\d*)(?:\.(\d*))?$/.exec(text.trim().toUpperCase().slice(name.length));
  if (!rest || name.length > 8) {
    throw new FormatError(
      `${what} "${text}" does not fit the transport version 5 form NAMEw.d (name of at most 8 characters)`,
      at,
    );
  }
  return { name, width: Number(rest[1] || 0), decimals: Number(rest[2] || 0) };
}

function assignPositions(columns: ColumnPlan[]): void {
  let position = 0;
  for (const c of columns) {
    c.position = position;
    position += c.length;
  }
}

function observationLength(columns: ColumnPlan[]): number {
  return columns.reduce((sum, c) => sum + c.length, 0);
}

function writeMemberHeader(
  output: RecordWriter,
  name: string,
  label: Uint8Array,
  columns: ColumnPlan[],
  created: string,
): void {
  output.text(`HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!${'0'.repeat(17)}16${'0'.repeat(8)}140  `);
  output.text(`HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!${'0'.repeat(30)}  `);
  output.text(
    `${pad('SAS', 8)}${pad(name, 8)}${pad('SASDATA', 8)}${pad(SAS_VERSION, 8)}${pad(OS, 8)}${' '.repeat(24)}${created}`,
  );
  const second = Buffer.alloc(RECORD, 0x20);
  second.write(created, 0, 'latin1');
  second.set(label, 32);
  output.bytes(second);
  output.text(
    `HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!000000${String(columns.length).padStart(4, '0')}${'0'.repeat(20)}  `,
  );
  columns.forEach((c, i) => {
    const namestr = Buffer.alloc(140, 0);
    namestr.writeInt16BE(c.numeric ? 1 : 2, 0);
    namestr.writeInt16BE(c.length, 4);
    namestr.writeInt16BE(i + 1, 6);
    namestr.write(pad(c.name, 8), 8, 'latin1');
    namestr.fill(0x20, 16, 56);
    namestr.set(c.label, 16);
    writeFormat(namestr, 56, c.format);
    writeFormat(namestr, 72, c.informat);
    namestr.writeInt32BE(c.position, 84);
    output.bytes(namestr);
  });
  output.padRecord(0x20);
  output.text(`HEADER RECORD*******OBS     HEADER RECORD!!!!!!!${'0'.repeat(30)}  `);
}

function writeFormat(namestr: Buffer, at: number, format: SasFormat): void {
  namestr.write(pad(format.name, 8), at, 'latin1');
  namestr.writeInt16BE(format.width, at + 8);
  namestr.writeInt16BE(format.decimals, at + 10);
}

/** Encodes every row of `dataset` with `columns`' layout into `sink`; returns the row count. */
async function encodeRows(
  dataset: DatasetReader,
  columns: ColumnPlan[],
  where: Where,
  sink: RecordWriter,
): Promise<number> {
  const row = Buffer.alloc(observationLength(columns));
  let rowNumber = 0;
  // A dataset without columns has no observations the format could hold; its batches are still drained.
  for await (const batch of dataset.batches()) {
    checkBatch(batch, columns, where);
    for (let r = 0; r < batch.length; r++) {
      rowNumber++;
      for (let c = 0; c < columns.length; c++) {
        const column = columns[c] as ColumnPlan;
        const values = batch.columns[c];
        if (column.numeric) {
          encodeNumber(
            column,
            (values as Float64Array)[r] as number,
            batch.missing?.[c]?.[r] ?? 0,
            row,
            rowNumber,
            where,
          );
        } else {
          encodeString(column, (values as (string | null)[])[r] ?? null, row, rowNumber, where);
        }
      }
      if (row.length > 0) sink.bytes(row);
    }
    await sink.drain();
  }
  return row.length > 0 ? rowNumber : 0;
}

function checkBatch(batch: RowBatch, columns: ColumnPlan[], where: Where): void {
  if (batch.columns.length !== columns.length) {
    throw new FormatError(`a batch has ${batch.columns.length} columns, the schema ${columns.length}`, where);
  }
  columns.forEach((c, i) => {
    const values = batch.columns[i];
    if (c.numeric !== values instanceof Float64Array || (values?.length ?? 0) < batch.length) {
      throw new FormatError(`the batch values do not match the column type ${c.type}`, {
        ...where,
        column: c.info.name,
      });
    }
  });
}

function encodeNumber(
  column: ColumnPlan,
  value: number,
  missingCode: number,
  row: Buffer,
  rowNumber: number,
  where: Where,
): void {
  if (Number.isNaN(value)) {
    const code = missingCode === 0x5f || (missingCode >= 0x41 && missingCode <= 0x5a) ? missingCode : 0x2e;
    encodeIbmMissing(code, row, column.position);
    return;
  }
  const sasValue = toSasUnits(value, column.type);
  if (!encodeIbmFloat(sasValue, row, column.position)) {
    const reason = Number.isFinite(sasValue)
      ? `${value} is beyond ±${IBM_LIMIT.toPrecision(2)}, the largest number a transport file holds`
      : `${value} cannot be stored in a transport file (use NaN for missing)`;
    throw new FormatError(reason, { ...where, column: column.info.name, row: rowNumber });
  }
}

function toSasUnits(value: number, type: ValueType): number {
  if (type === 'date') return value + EPOCH_DAYS;
  if (type === 'datetime') return value / 1000 + EPOCH_SECONDS;
  return value;
}

function encodeString(column: ColumnPlan, value: string | null, row: Buffer, rowNumber: number, where: Where): void {
  const { position, length } = column;
  let end = value === null ? 0 : value.length;
  // Trailing blanks are padding in SAS: they neither count against the length nor survive a read.
  while (end > 0 && (value as string).charCodeAt(end - 1) === 0x20) end--;
  if (end > length) {
    const limit = column.declared
      ? `the column's length of ${length}`
      : `the transport version 5 limit of ${MAX_CHARACTER_LENGTH}`;
    throw new FormatError(`the value is ${end} characters, over ${limit}`, {
      ...where,
      column: column.info.name,
      row: rowNumber,
    });
  }
  const written = end === 0 ? 0 : encodeWindows1252Into(value as string, end, row, position);
  if (written < 0) {
    const character = (value as string).charAt(-written - 1);
    throw new FormatError(`"${character}" cannot be encoded in Windows-1252, the transport file's character set`, {
      ...where,
      column: column.info.name,
      row: rowNumber,
    });
  }
  row.fill(0x20, position + end, position + length);
  if (end > column.longest) column.longest = end;
}

/** Copies staged rows into the output, each character value cut to its final (measured) width. */
async function copyNarrowed(
  stagedFile: string,
  rows: number,
  stagedLength: number,
  columns: ColumnPlan[],
  stagedPositions: number[],
  stagedLengths: number[],
  output: RecordWriter,
): Promise<void> {
  const handle = await open(stagedFile, 'r');
  try {
    const perChunk = Math.max(1, Math.floor((1 << 20) / stagedLength));
    const chunk = Buffer.alloc(perChunk * stagedLength);
    const row = Buffer.alloc(observationLength(columns));
    for (let done = 0; done < rows; ) {
      const count = Math.min(perChunk, rows - done);
      const { bytesRead } = await handle.read(chunk, 0, count * stagedLength, done * stagedLength);
      if (bytesRead !== count * stagedLength) throw new Error('the staged rows were cut short');
      for (let r = 0; r < count; r++) {
        const base = r * stagedLength;
        columns.forEach((c, i) => {
          const from = base + (stagedPositions[i] as number);
          chunk.copy(row, c.position, from, from + Math.min(c.length, stagedLengths[i] as number));
        });
        output.bytes(row);
      }
      done += count;
    }
  } finally {
    await handle.close();
  }
}

/** `ddMMMyy:hh:mm:ss`, in UTC so that the same data gives the same file on every server. */
function sasTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}${MONTHS[date.getUTCMonth()]}${two(date.getUTCFullYear() % 100)}:${two(date.getUTCHours())}:${two(
    date.getUTCMinutes(),
  )}:${two(date.getUTCSeconds())}`;
}

function pad(text: string, width: number): string {
  return text.padEnd(width, ' ').slice(0, width);
}

/** Buffers output in 1 MB blocks and tracks the 80-byte record boundary. */
class RecordWriter {
  private readonly buffer = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private written = 0;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly handle: FileHandle) {}

  text(record: string): void {
    this.bytes(Buffer.from(record, 'latin1'));
  }

  bytes(data: Uint8Array): void {
    let offset = 0;
    while (offset < data.length) {
      const take = Math.min(data.length - offset, this.buffer.length - this.used);
      this.buffer.set(data.subarray(offset, offset + take), this.used);
      this.used += take;
      offset += take;
      if (this.used === this.buffer.length) this.flush();
    }
  }

  /** Fills the rest of the current 80-byte record. */
  padRecord(fill: number): void {
    const partial = (this.written + this.used) % RECORD;
    if (partial !== 0) this.bytes(Buffer.alloc(RECORD - partial, fill));
  }

  /** Queues the full buffer for writing; `drain` waits for the queue, so memory stays bounded. */
  private flush(): void {
    const block = Buffer.from(this.buffer.subarray(0, this.used));
    this.written += this.used;
    this.used = 0;
    this.pending = this.pending.then(() => writeAll(this.handle, block));
  }

  async drain(): Promise<void> {
    await this.pending;
  }

  async close(): Promise<void> {
    if (this.used > 0) this.flush();
    try {
      await this.pending;
    } finally {
      await this.handle.close();
    }
  }
}

async function writeAll(handle: FileHandle, block: Buffer): Promise<void> {
  for (let offset = 0; offset < block.length; ) {
    const { bytesWritten } = await handle.write(block, offset, block.length - offset);
    offset += bytesWritten;
  }
}
