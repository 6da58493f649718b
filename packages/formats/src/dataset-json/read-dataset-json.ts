/**
 * CDISC Dataset-JSON reader: v1.1 (`datasetJSONVersion` 1.1.x, `columns` + `rows`), its NDJSON
 * form (metadata object on the first line, one row array per line), and v1.0
 * (`clinicalData|referenceData.itemGroupData.<OID>.items` + `itemData`).
 *
 * Decisions:
 * - Streamed: the document is walked key by key and rows are parsed one at a time (see
 *   `json-source.ts`), so memory is one batch plus one row, whatever the file size.
 * - Metadata normally precedes the rows (the specification recommends that order for streaming).
 *   When the rows come before `columns`/`name`, the first pass skips them and a second pass
 *   streams them once the metadata is known.
 * - One dataset per file, as the specification requires; a v1.0 file with two item groups is
 *   rejected rather than half read.
 * - Types (v1.1 "Supported Column Data Type Combinations"): string/URI → string; integer →
 *   integer; decimal/float/double → number (decimal strings, with optional thousands commas, are
 *   parsed; precision beyond a double is lost); boolean → boolean. date/datetime/time become
 *   typed columns only with `targetDataType: "integer"` (the ADaM case, values must be complete
 *   ISO 8601); without it they are character variables such as SDTM --DTC, where partial dates
 *   (`2019-03`) are legal, so they stay strings.
 * - A numeric column whose `displayFormat` is a SAS date/time format (`DATE9.`, `E8601DT.`) holds
 *   SAS day/second counts, as v1.0 files do; those are converted like XPT values.
 * - A value that does not fit its column's type is an error naming the row and column: silently
 *   storing "63.5" in an integer column or "UNK" in a date column would corrupt the dataset.
 *   `null` is missing; `""` is missing in non-string columns and an empty string in string ones.
 * - `records` is reported as `declaredRows`, never used to size or stop anything.
 * - `keySequence` columns are kept in `metadata.keys` (comma-separated, in key order) so diffs
 *   can match rows by the sponsor's key.
 */
import { basename, extname } from 'node:path';
import { BatchBuilder } from '../batch-builder.ts';
import { FormatError } from '../errors.ts';
import { parseIsoDate, parseIsoDatetime, parseIsoTime } from '../iso-8601.ts';
import { sasDateToEpochDays, sasDatetimeToEpochMs, sasNumericType } from '../sas-formats.ts';
import {
  type ColumnInfo,
  type DatasetInfo,
  type DatasetReader,
  DEFAULT_BATCH_SIZE,
  type ReadOptions,
  type RowBatch,
  type ValueType,
} from '../types.ts';
import { DocumentWalker, readRows, skipRows, type WalkEvent } from './document-walker.ts';
import { JsonSource, type JsonValue } from './json-source.ts';

type RowsEvent = Extract<WalkEvent, { kind: 'rows' }>;

/** How a column's JSON values become cells. `sas-*`: numbers in SAS units. */
type Conversion =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'iso-date'
  | 'iso-datetime'
  | 'iso-time'
  | 'sas-date'
  | 'sas-datetime'
  | 'sas-time';

interface Layout {
  info: DatasetInfo;
  conversions: Conversion[];
}

export async function* readDatasetJson(path: string, options: ReadOptions = {}): AsyncGenerator<DatasetReader> {
  const file = options.fileName ?? basename(path);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const meta = new MetadataCollector(file, basename(path, extname(path)));

  const first = JsonSource.open(path, file);
  let rowsSkipped = false;
  try {
    const walker = new DocumentWalker(first);
    for (;;) {
      const event = await walker.next();
      if (event.kind === 'end') break;
      if (event.kind === 'value') {
        meta.add(event.path, event.value);
        continue;
      }
      meta.rowsAt(event.path);
      if (rowsSkipped) throw new FormatError('the file holds more than one set of rows', { file });
      if (meta.ready()) {
        yield streamingReader(meta.layout(), first, walker, event, batchSize, meta);
        return;
      }
      // Rows before their metadata: skip them now, stream them in a second pass.
      await skipRows(first, event.ndjson, (row) => truncatedAt(file, row));
      rowsSkipped = true;
    }
  } finally {
    first.close();
  }

  const layout = meta.layout();
  if (!rowsSkipped) {
    yield { info: layout.info, batches: emptyBatches };
    return;
  }
  const second = JsonSource.open(path, file);
  try {
    const walker = new DocumentWalker(second);
    for (;;) {
      const event = await walker.next();
      if (event.kind === 'end') throw new FormatError('the file changed while it was being read', { file });
      if (event.kind === 'rows') {
        yield streamingReader(layout, second, walker, event, batchSize, meta);
        return;
      }
    }
  } finally {
    second.close();
  }
}

async function* emptyBatches(): AsyncGenerator<RowBatch> {}

function streamingReader(
  layout: Layout,
  src: JsonSource,
  walker: DocumentWalker,
  event: RowsEvent,
  batchSize: number,
  meta: MetadataCollector,
): DatasetReader {
  let consumed = false;
  return {
    info: layout.info,
    batches: () => {
      if (consumed) throw new Error('batches() can only be consumed once');
      consumed = true;
      return streamBatches(layout, src, walker, event, batchSize, meta);
    },
  };
}

async function* streamBatches(
  layout: Layout,
  src: JsonSource,
  walker: DocumentWalker,
  event: RowsEvent,
  batchSize: number,
  meta: MetadataCollector,
): AsyncGenerator<RowBatch> {
  const { info, conversions } = layout;
  const where = { file: src.file, dataset: info.name };
  const builder = new BatchBuilder(
    info.columns.map((c) => c.type),
    batchSize,
  );
  let row = 0;
  const rowBatches = readRows(src, event.ndjson, (n) => truncatedAt(src.file, n, info.name));
  for (;;) {
    let next: IteratorResult<JsonValue[]>;
    try {
      next = await rowBatches.next();
    } catch (error) {
      // Invalid JSON inside the rows: say which row, the most useful "where" there is.
      if (error instanceof FormatError && error.location.row === undefined) {
        throw new FormatError(error.reason, { ...where, row: row + 1 });
      }
      throw error;
    }
    if (next.done) break;
    for (const values of next.value) {
      row++;
      if (!Array.isArray(values)) {
        throw new FormatError(`a row must be a JSON array, found ${jsonKind(values)}`, { ...where, row });
      }
      if (values.length !== conversions.length) {
        throw new FormatError(`the row has ${values.length} values but there are ${conversions.length} columns`, {
          ...where,
          row,
        });
      }
      for (let c = 0; c < conversions.length; c++) {
        const conversion = conversions[c] as Conversion;
        const value = values[c] as JsonValue;
        try {
          if (conversion !== 'string') builder.setNumber(c, numericCell(conversion, value));
          else if (value === null || typeof value === 'string') builder.setString(c, value);
          else builder.setString(c, textCell(value));
        } catch (error) {
          if (!(error instanceof CellProblem)) throw error;
          throw new FormatError(error.message, { ...where, row, column: info.columns[c]?.name });
        }
      }
      builder.endRow();
      if (builder.full) yield builder.take();
    }
  }
  // The rest of the document (keys after the rows, closing braces) must be there too: a file cut
  // right after the rows is still a truncated upload.
  for (;;) {
    const next = await walker.next();
    if (next.kind === 'end') break;
    if (next.kind === 'value') {
      meta.add(next.path, next.value);
      continue;
    }
    meta.rowsAt(next.path);
    throw new FormatError('the file holds more than one set of rows', where);
  }
  if (builder.length > 0) yield builder.take();
}

/** A value that does not fit its column; the row loop adds where it was. */
class CellProblem extends Error {}

function textCell(value: JsonValue): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new CellProblem(`${describeValue(value)} is not a text value`);
}

/** The cell in `ColumnValues` units; `NaN` for missing. */
function numericCell(conversion: Exclude<Conversion, 'string'>, value: JsonValue): number {
  if (value === null || value === '') return Number.NaN;
  const fail = (expected: string): never => {
    throw new CellProblem(`${describeValue(value)} is not ${expected}`);
  };
  switch (conversion) {
    case 'integer': {
      const n = typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : value;
      return typeof n === 'number' && Number.isInteger(n) ? n : fail('an integer');
    }
    case 'boolean':
      return typeof value === 'boolean' ? Number(value) : fail('true or false');
    case 'iso-date':
    case 'iso-datetime':
    case 'iso-time': {
      const parse =
        conversion === 'iso-date' ? parseIsoDate : conversion === 'iso-datetime' ? parseIsoDatetime : parseIsoTime;
      const n = typeof value === 'string' ? parse(value) : undefined;
      return n ?? fail(`a complete ISO 8601 ${conversion.slice(4)} (targetDataType integer)`);
    }
    default: {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? parseDecimal(value) : undefined;
      if (n === undefined) return fail('a number');
      if (conversion === 'sas-date') return sasDateToEpochDays(n);
      if (conversion === 'sas-datetime') return sasDatetimeToEpochMs(n);
      return n;
    }
  }
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Decimal strings may use "," as a thousands separator (Dataset-JSON v1.1, dataType). */
function parseDecimal(text: string): number | undefined {
  const plain = text.trim().replace(/,/g, '');
  return DECIMAL.test(plain) ? Number(plain) : undefined;
}

function describeValue(value: JsonValue): string {
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return `a JSON ${jsonKind(value)}`;
}

function jsonKind(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

function truncatedAt(file: string, row: number, dataset?: string): FormatError {
  return new FormatError(
    `the file ends inside the rows, after ${(row - 1).toLocaleString('en-US')} complete rows (truncated upload?)`,
    { file, dataset, row },
  );
}

const TOP_LEVEL_METADATA = [
  'datasetJSONVersion',
  'datasetJSONCreationDateTime',
  'creationDateTime',
  'fileOID',
  'dbLastModifiedDateTime',
  'asOfDateTime',
  'originator',
  'sourceSystem',
  'sourceSystemVersion',
  'studyOID',
  'metaDataVersionOID',
  'metaDataRef',
  'itemGroupOID',
];

/** Gathers the dataset's metadata from wherever the version puts it. */
class MetadataCollector {
  private name: string | undefined;
  private label: string | undefined;
  private records: number | undefined;
  private columns: JsonValue[] | undefined;
  private itemGroupOid: string | undefined;
  private readonly extra: Record<string, string> = {};

  constructor(
    private readonly file: string,
    private readonly fallbackName: string,
  ) {}

  add(path: readonly string[], value: JsonValue): void {
    const inGroup = path.length === 4 && path[1] === 'itemGroupData';
    if (inGroup) this.enterGroup(path[2] as string);
    const key = path.at(-1) as string;
    if (path.length === 1 || inGroup) {
      if (key === 'name' && typeof value === 'string') this.name = value;
      else if (key === 'label' && typeof value === 'string') this.label = value;
      else if (key === 'records' && typeof value === 'number') this.records = value;
      else if ((key === 'columns' && path.length === 1) || (key === 'items' && inGroup)) {
        if (!Array.isArray(value))
          throw new FormatError(`"${key}" must be an array of column definitions`, { file: this.file });
        this.columns = value;
      }
    }
    if (path.length === 1 && key === 'datasetJSONVersion') this.checkVersion(value);
    const metadataKey = path.length <= 2 ? key : undefined;
    if (metadataKey && TOP_LEVEL_METADATA.includes(metadataKey)) this.keep(metadataKey, value);
  }

  /** v1.0 names the item group by its key; a second one means a second dataset. */
  rowsAt(path: readonly string[]): void {
    if (path.length === 4) this.enterGroup(path[2] as string);
  }

  /** Columns and name known: the rows can be streamed in this pass. */
  ready(): boolean {
    return this.columns !== undefined && this.name !== undefined;
  }

  layout(): Layout {
    if (!this.columns) {
      throw new FormatError('not a Dataset-JSON file: no "columns" (v1.1) or "items" (v1.0) were found', {
        file: this.file,
      });
    }
    const name = this.name ?? this.itemGroupOid ?? this.extra.itemGroupOID ?? this.fallbackName;
    const columns: ColumnInfo[] = [];
    const conversions: Conversion[] = [];
    const keys: { name: string; order: number }[] = [];
    const seen = new Set<string>();
    this.columns.forEach((raw, index) => {
      const where = { file: this.file, dataset: name };
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new FormatError(`column definition ${index + 1} is not an object`, where);
      }
      const columnName = raw.name;
      if (typeof columnName !== 'string' || columnName === '') {
        throw new FormatError(`column definition ${index + 1} has no "name"`, where);
      }
      if (seen.has(columnName)) throw new FormatError('two columns have this name', { ...where, column: columnName });
      seen.add(columnName);
      const dataType = typeof raw.dataType === 'string' ? raw.dataType : raw.type;
      const target = typeof raw.targetDataType === 'string' ? raw.targetDataType : undefined;
      const displayFormat = typeof raw.displayFormat === 'string' ? raw.displayFormat : undefined;
      const conversion = conversionOf(dataType, target, displayFormat);
      if (!conversion) {
        throw new FormatError(`unknown dataType ${JSON.stringify(dataType ?? null)}`, { ...where, column: columnName });
      }
      conversions.push(conversion);
      columns.push({
        name: columnName,
        label: typeof raw.label === 'string' ? raw.label : undefined,
        type: valueTypeOf(conversion),
        length: typeof raw.length === 'number' ? raw.length : undefined,
        format: displayFormat,
      });
      if (typeof raw.keySequence === 'number') keys.push({ name: columnName, order: raw.keySequence });
    });
    const metadata: Record<string, string> = { ...this.extra };
    if (keys.length > 0) {
      metadata.keys = keys
        .sort((a, b) => a.order - b.order)
        .map((k) => k.name)
        .join(',');
    }
    return {
      info: { name, label: this.label, columns, declaredRows: this.records, metadata },
      conversions,
    };
  }

  private enterGroup(oid: string): void {
    if (this.itemGroupOid !== undefined && this.itemGroupOid !== oid) {
      throw new FormatError(
        `the file holds more than one dataset (${this.itemGroupOid} and ${oid}); Dataset-JSON allows one per file`,
        { file: this.file },
      );
    }
    this.itemGroupOid = oid;
  }

  private checkVersion(value: JsonValue): void {
    const version = String(value);
    if (!/^1\.[01](\.|$)/.test(version)) {
      throw new FormatError(`Dataset-JSON version ${version} is not supported (1.0 and 1.1 are)`, {
        file: this.file,
      });
    }
  }

  private keep(key: string, value: JsonValue): void {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      this.extra[key] = String(value);
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (typeof v === 'string' || typeof v === 'number') this.extra[`${key}.${k}`] = String(v);
      }
    }
  }
}

function conversionOf(
  dataType: JsonValue | undefined,
  target: string | undefined,
  displayFormat: string | undefined,
): Conversion | undefined {
  switch (dataType) {
    case 'string':
    case 'URI':
      return 'string';
    case 'date':
    case 'datetime':
    case 'time':
      return target === 'integer' ? `iso-${dataType}` : 'string';
    case 'integer':
    case 'decimal':
    case 'float':
    case 'double': {
      const temporal = sasNumericType(displayFormat);
      if (temporal !== 'number') return `sas-${temporal}` as Conversion;
      return dataType === 'integer' ? 'integer' : 'number';
    }
    case 'boolean':
      return 'boolean';
    default:
      return undefined;
  }
}

function valueTypeOf(conversion: Conversion): ValueType {
  switch (conversion) {
    case 'iso-date':
    case 'sas-date':
      return 'date';
    case 'iso-datetime':
    case 'sas-datetime':
      return 'datetime';
    case 'iso-time':
    case 'sas-time':
      return 'time';
    default:
      return conversion;
  }
}
