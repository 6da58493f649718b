import { inputBaseName, openInput, type ReadInput } from '../byte-source.ts';
import { FormatError } from '../errors.ts';
import { convertSasTemporal, sasNumericType } from '../sas-formats.ts';
import { TextCellsBuilder } from '../text-cells.ts';
import type { ColumnInfo, DatasetInfo, DatasetReader, ReadOptions, RowBatch, ValueType } from '../types.ts';
import { DEFAULT_BATCH_SIZE } from '../types.ts';
import { ByteWindow } from './byte-window.ts';
import { decodeIbmFloat, IBM_MALFORMED, IBM_MISSING, ibmResult } from './ibm-float.ts';
import { decodeText, trimEnd } from './sas-text.ts';
import {
  isMemberHeaderAt,
  RECORD,
  readLibraryHeader,
  readMemberHeader,
  type XptLibrary,
  type XptMember,
  type XptVariable,
} from './xpt-header.ts';

const CHUNK_SIZE = 1 << 20;
/** Bytes of observations decoded per pass (a batch of the usual widths, a few rows of very wide ones). */
const RUN_BYTES = 64 << 10;

/**
 * Reads a SAS transport file (XPORT version 5, or 8/9 with long names and labels), yielding one
 * dataset per member, in file order. The file is read forward in 1 MB chunks; nothing but the
 * current chunk and one batch is held in memory.
 *
 * Consume each dataset's `batches()` before asking for the next dataset (a dataset left unread is
 * skipped). Character values lose trailing blanks and a blank value is `null`: SAS has no empty
 * string distinct from a missing one. Numeric values displayed with a date, datetime or time
 * format are typed accordingly and converted to this package's units.
 *
 * A file that is not a transport file, or whose headers or data are corrupted or truncated, makes
 * the iteration throw a `FormatError` that says where; a truncated member throws from
 * `batches()` after the rows before the damage, so it never looks complete.
 */
export async function* readXpt(file: ReadInput, options: ReadOptions = {}): AsyncGenerator<DatasetReader> {
  const fileName = options.fileName ?? inputBaseName(file);
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const handle = await openInput(file);
  let window: ByteWindow | undefined;
  try {
    const size = handle.size;
    window = new ByteWindow(handle, size, CHUNK_SIZE);
    const library = await readLibraryHeader(window, { file: fileName });
    let pos = 3 * RECORD;
    if (pos >= size) {
      throw new FormatError('the file has no datasets (truncated upload?)', { file: fileName, offset: pos });
    }
    while (pos < size) {
      // Members follow each other directly: readMemberHeader rejects anything but a member header here.
      const member = await readMemberHeader(window, pos, library.version, fileName);
      const reader = new MemberReader(window, library, member, fileName, batchSize, {
        textAsBytes: options.textAsBytes === true,
        reuse: options.reuseBatches === true,
      });
      yield reader;
      pos = await reader.finish();
    }
  } finally {
    await window?.settle();
    await handle.close();
  }
}

class MemberReader implements DatasetReader {
  readonly info: DatasetInfo;
  private pos: number;
  private rowNumber = 0;
  /** Where the observations ended (the file's end or the next member's header), once known. */
  private nextMember: number | undefined;
  private started = false;
  private readonly completeEnd: number;
  private readonly types: ValueType[];

  constructor(
    private readonly window: ByteWindow,
    private readonly library: XptLibrary,
    private readonly member: XptMember,
    private readonly fileName: string,
    private readonly batchSize: number,
    private readonly mode: { textAsBytes: boolean; reuse: boolean },
  ) {
    this.pos = member.dataStart;
    // Transport files are whole 80-byte records; bytes past the last whole record mean truncation.
    this.completeEnd = window.fileSize - (window.fileSize % RECORD);
    this.types = member.variables.map((v) => (v.numeric ? sasNumericType(v.format) : 'string'));
    this.info = this.describe();
  }

  private describe(): DatasetInfo {
    const { member, library } = this;
    const columns: ColumnInfo[] = member.variables.map((v, i) => ({
      name: v.name,
      ...(v.label ? { label: v.label } : {}),
      type: this.types[i] as ValueType,
      length: v.length,
      ...(v.format ? { format: v.format } : {}),
      ...(v.informat ? { informat: v.informat } : {}),
    }));
    const metadata: Record<string, string> = {
      'sas.transportVersion': String(library.version),
      'sas.version': member.sasVersion || library.sasVersion,
      'sas.os': member.os || library.os,
    };
    const created = member.created ?? library.created;
    const modified = member.modified ?? library.modified;
    if (created) metadata['sas.created'] = created;
    if (modified) metadata['sas.modified'] = modified;
    if (member.type) metadata['sas.memberType'] = member.type;
    return {
      name: member.name,
      ...(member.label ? { label: member.label } : {}),
      columns,
      ...(member.declaredRows !== undefined ? { declaredRows: member.declaredRows } : {}),
      metadata,
    };
  }

  batches(): AsyncIterable<RowBatch> {
    if (this.started) throw new Error(`dataset ${this.member.name}: batches() can be consumed only once`);
    this.started = true;
    return this.readBatches(true);
  }

  /** Skips whatever the consumer left unread; returns where the next member starts. */
  async finish(): Promise<number> {
    this.started = true;
    if (this.nextMember === undefined) {
      const skipped = this.readBatches(false);
      // Without decoding nothing is yielded; running the generator walks to the member's end.
      while (!(await skipped.next()).done) {}
    }
    return this.nextMember ?? this.window.fileSize;
  }

  private error(reason: string, row?: number): FormatError {
    return new FormatError(reason, {
      file: this.fileName,
      dataset: this.member.name,
      ...(row !== undefined ? { row } : { offset: this.pos }),
    });
  }

  private async *readBatches(decode: boolean): AsyncGenerator<RowBatch> {
    const length = this.member.observationLength;
    if (length === 0) {
      this.nextMember = await this.skipToNextMember();
      return;
    }
    // Enough to hold an observation plus the record after the current one (for the end test).
    const lookahead = Math.max(length, 2 * RECORD) + RECORD;
    // Rows decoded per pass over the window: a batch, or fewer when observations are very wide.
    // A member has at most as many rows as its bytes hold: a 40-row domain gets arrays of 40 rows,
    // not of a batch (an SDTM transfer is mostly small members).
    const batchSize = Math.max(1, Math.min(this.batchSize, Math.ceil((this.window.fileSize - this.pos) / length)));
    const runRows = Math.max(1, Math.min(batchSize, Math.floor(RUN_BYTES / length)));
    const { textAsBytes, reuse } = this.mode;
    const { window } = this;
    let kept: BatchBuilder | undefined;
    while (this.nextMember === undefined) {
      const batch = decode
        ? (kept ?? new BatchBuilder(this.member, this.types, batchSize, textAsBytes, reuse))
        : undefined;
      if (reuse) kept = batch;
      let rows = 0;
      while (rows < batchSize && this.nextMember === undefined) {
        const first = this.pos;
        const want = Math.min(batchSize - rows, runRows) * length + lookahead;
        if (first + want > window.end && window.end < window.fileSize) await window.ensure(first, want);
        // Where this run's observations are, one row at a time (cheap: the end test), then decoded
        // column by column over the window's bytes (issue 17: typed loops, no per-cell calls).
        let count = 0;
        let pos = first;
        let truncated = false;
        let endError: unknown;
        const before = this.rowNumber;
        const limit = Math.min(batchSize - rows, runRows);
        try {
          while (count < limit) {
            if (pos + lookahead > window.end && window.end < window.fileSize) break;
            const end = this.endAt(pos);
            if (end !== undefined) {
              this.nextMember = end;
              break;
            }
            if (pos + length > window.fileSize) {
              truncated = true;
              break;
            }
            count++;
            this.rowNumber++;
            pos += length;
          }
        } catch (error) {
          // A damaged end is reported after the rows before it, as reading row by row would.
          endError = error;
        }
        if (batch && count > 0) {
          const failed = batch.fill(window.bytes, first - window.start, length, rows, count);
          if (failed >= 0) {
            throw this.error(
              `column ${batch.failedColumn}: not a SAS number (corrupted data?)`,
              before + failed - rows + 1,
            );
          }
        }
        if (endError !== undefined) throw endError;
        this.pos = pos;
        rows += count;
        if (truncated) throw this.error('file ends inside an observation (truncated upload?)', this.rowNumber + 1);
      }
      if (batch && rows > 0) yield batch.finish(rows);
    }
  }

  /**
   * Decides whether observations end at `pos`; if so, returns where the next member starts.
   * They end at the end of the file or at the next member's header, and the blanks that pad the
   * last record are padding, not observations.
   * Padding only ever fills the rest of a record (TS-140), so an observation that starts a record
   * is always real, even when blank: this keeps blank observations of 80 bytes or more. A file
   * whose last record is cut short is truncated; the caller reports it at the observation it cuts.
   */
  private endAt(pos: number): number | undefined {
    const { window } = this;
    const version = this.library.version;
    const offset = pos % RECORD;
    if (offset === 0) {
      if (pos === window.fileSize || isMemberHeaderAt(window, pos, version)) return pos;
      return undefined;
    }
    if (pos === window.fileSize) throw this.error('file ends inside a record (truncated upload?)', this.rowNumber + 1);
    const recordEnd = pos - offset + RECORD;
    if (recordEnd > window.fileSize) return undefined;
    if (recordEnd < this.completeEnd && !isMemberHeaderAt(window, recordEnd, version)) return undefined;
    const start = pos - window.start;
    if (trimEnd(window.bytes, start, start + RECORD - offset) !== start) return undefined;
    if (recordEnd === this.completeEnd && this.completeEnd !== window.fileSize) {
      throw this.error('file ends inside a record (truncated upload?)', this.rowNumber + 1);
    }
    return recordEnd;
  }

  /** A member without variables has no observations: its data area runs to the next header. */
  private async skipToNextMember(): Promise<number> {
    let pos = this.pos;
    while (pos < this.completeEnd) {
      await this.window.ensure(pos, RECORD);
      if (isMemberHeaderAt(this.window, pos, this.library.version)) return pos;
      pos += RECORD;
    }
    if (pos !== this.window.fileSize) throw this.error('file ends inside a record (truncated upload?)');
    return pos;
  }
}

/** Column-major arrays for one batch, filled straight from the file's bytes. */
class BatchBuilder {
  private readonly numeric: Float64Array[] = [];
  private readonly numericIndex: Int32Array;
  private readonly numericPosition: Int32Array;
  private readonly numericLength: Int32Array;
  private readonly text: (string | null)[][] = [];
  private readonly textPosition: Int32Array;
  private readonly textLength: Int32Array;
  private readonly missing: (Uint8Array | undefined)[];
  private readonly columns: (Float64Array | (string | null)[] | TextCellsBuilder)[] = [];
  /** The text columns' builders when text is handed over as bytes (`textAsBytes`). */
  private readonly cells: TextCellsBuilder[] = [];
  failedColumn = '';

  constructor(
    private readonly member: XptMember,
    private readonly types: ValueType[],
    private readonly capacity: number,
    textAsBytes: boolean,
    /** Fill the same arrays for every batch (`ReadOptions.reuseBatches`). */
    private readonly reuse: boolean,
  ) {
    const numericIndex: number[] = [];
    const textIndex: number[] = [];
    member.variables.forEach((v, i) => {
      if (v.numeric) {
        const values = new Float64Array(capacity);
        this.numeric.push(values);
        this.columns.push(values);
        numericIndex.push(i);
      } else if (textAsBytes) {
        const values = new TextCellsBuilder(capacity, v.length);
        this.cells.push(values);
        this.columns.push(values);
        textIndex.push(i);
      } else {
        const values = new Array<string | null>(capacity);
        this.text.push(values);
        this.columns.push(values);
        textIndex.push(i);
      }
    });
    const vars = member.variables;
    this.numericIndex = Int32Array.from(numericIndex);
    this.numericPosition = Int32Array.from(numericIndex, (i) => (vars[i] as XptVariable).position);
    this.numericLength = Int32Array.from(numericIndex, (i) => (vars[i] as XptVariable).length);
    this.textPosition = Int32Array.from(textIndex, (i) => (vars[i] as XptVariable).position);
    this.textLength = Int32Array.from(textIndex, (i) => (vars[i] as XptVariable).length);
    this.missing = new Array(vars.length).fill(undefined);
  }

  /**
   * Decodes `count` observations of `stride` bytes starting at `bytes[base]` into rows `row`..,
   * column by column: one tight loop per column over the row-major bytes. Returns -1, or the first
   * row (of the batch) holding a malformed number, with its column in `failedColumn` (the first
   * such column of that row, as reading row by row finds it).
   */
  fill(bytes: Buffer, base: number, stride: number, row: number, count: number): number {
    let failedRow = -1;
    const { numeric, numericPosition, numericLength } = this;
    for (let k = 0; k < numeric.length; k++) {
      const values = numeric[k] as Float64Array;
      const at = base + (numericPosition[k] as number);
      const width = numericLength[k] as number;
      const bad =
        width === 8
          ? decodeIbmColumn8(bytes, at, stride, values, row, count)
          : decodeIbmColumn(bytes, at, width, stride, values, row, count);
      if (bad === NO_MISSING) continue;
      // Missing values (and perhaps a malformed one): the rare path, row by row.
      const column = this.numericIndex[k] as number;
      const end = bad >= 0 ? bad : row + count;
      for (let r = row, offset = at; r < end; r++, offset += stride) {
        if (!Number.isNaN(values[r])) continue;
        const kind = decodeIbmFloat(bytes, offset, width);
        if (kind !== IBM_MISSING) continue;
        let codes = this.missing[column];
        if (!codes) {
          codes = new Uint8Array(this.capacity);
          this.missing[column] = codes;
        }
        codes[r] = ibmResult.missingCode;
      }
      if (bad >= 0 && (failedRow < 0 || bad < failedRow)) {
        failedRow = bad;
        this.failedColumn = (this.member.variables[column] as XptVariable).name;
      }
    }
    if (failedRow >= 0) return failedRow;
    const { text, textPosition, textLength, cells } = this;
    for (let k = 0; k < cells.length; k++) {
      const at = base + (textPosition[k] as number);
      (cells[k] as TextCellsBuilder).addColumn(bytes, at, stride, textLength[k] as number, count, decodeText);
    }
    for (let k = 0; k < text.length; k++) {
      const values = text[k] as (string | null)[];
      const width = textLength[k] as number;
      let start = base + (textPosition[k] as number);
      for (let r = row; r < row + count; r++, start += stride) {
        const end = trimEnd(bytes, start, start + width);
        values[r] = end === start ? null : decodeText(bytes, start, end);
      }
    }
    return -1;
  }

  finish(rows: number): RowBatch {
    const columns = this.columns.map((values, i) => {
      if (values instanceof TextCellsBuilder) return values.take(this.reuse);
      const sized =
        rows === this.capacity
          ? values
          : values instanceof Float64Array
            ? values.subarray(0, rows)
            : values.slice(0, rows);
      const type = this.types[i] as ValueType;
      if (sized instanceof Float64Array && (type === 'date' || type === 'datetime')) convertSasTemporal(sized, type);
      return sized;
    });
    const batch: RowBatch = { length: rows, columns };
    if (this.missing.some((m) => m !== undefined)) {
      batch.missing = this.missing.map((m) => (m && rows < this.capacity ? m.subarray(0, rows) : m));
    }
    // Special-missing codes are set only where a value is missing: the next batch starts without.
    if (this.reuse) this.missing.fill(undefined);
    return batch;
  }
}

/** `decodeIbmColumn*` found no missing value and no malformed number. */
const NO_MISSING = -1;
/** `decodeIbmColumn*` found missing values (NaN where they are) but no malformed number. */
const SOME_MISSING = -2;

/** `POW2_FOR_EXPONENT[e]` = 2^(4·(e−64) − 56), as in `ibm-float.ts`. */
const POW2_FOR_EXPONENT = new Float64Array(128);
for (let e = 0; e < 128; e++) POW2_FOR_EXPONENT[e] = 2 ** (4 * (e - 64) - 56);
const TWO_POW_32 = 4_294_967_296;

/**
 * One column of 8-byte IBM doubles, `count` rows `stride` bytes apart, into `values[row..]`: the
 * loop of `decodeIbmFloat` inlined, no call per cell. A missing value is NaN here (its code is
 * read afterwards); returns `NO_MISSING`, `SOME_MISSING`, or the first malformed row.
 */
function decodeIbmColumn8(
  bytes: Uint8Array,
  at: number,
  stride: number,
  values: Float64Array,
  row: number,
  count: number,
): number {
  let result = NO_MISSING;
  const end = row + count;
  for (let r = row, o = at; r < end; r++, o += stride) {
    const first = bytes[o] as number;
    const high = ((bytes[o + 1] as number) << 16) | ((bytes[o + 2] as number) << 8) | (bytes[o + 3] as number);
    const low =
      (((bytes[o + 4] as number) << 24) |
        ((bytes[o + 5] as number) << 16) |
        ((bytes[o + 6] as number) << 8) |
        (bytes[o + 7] as number)) >>>
      0;
    if (high === 0 && low === 0) {
      if (first === 0 || first === 0x80) values[r] = 0;
      else if (first === 0x2e || first === 0x5f || (first >= 0x41 && first <= 0x5a)) {
        values[r] = Number.NaN;
        result = SOME_MISSING;
      } else return r;
      continue;
    }
    const magnitude = (high * TWO_POW_32 + low) * (POW2_FOR_EXPONENT[first & 0x7f] as number);
    values[r] = first & 0x80 ? -magnitude : magnitude;
  }
  return result;
}

/** The same for numbers stored in fewer than 8 bytes (through `decodeIbmFloat`). */
function decodeIbmColumn(
  bytes: Uint8Array,
  at: number,
  width: number,
  stride: number,
  values: Float64Array,
  row: number,
  count: number,
): number {
  let result = NO_MISSING;
  const end = row + count;
  for (let r = row, o = at; r < end; r++, o += stride) {
    const kind = decodeIbmFloat(bytes, o, width);
    if (kind === IBM_MALFORMED) return r;
    if (kind === IBM_MISSING) {
      values[r] = Number.NaN;
      result = SOME_MISSING;
    } else values[r] = ibmResult.value;
  }
  return result;
}
