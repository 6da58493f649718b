import { FormatError } from '../errors.ts';
import { type JsonSource, type JsonValue, NEED_MORE } from './json-source.ts';

export type WalkEvent =
  /** A complete value that is not rows, with the keys leading to it. */
  | { kind: 'value'; path: readonly string[]; value: JsonValue }
  /**
   * The rows start here: the caller reads them with `readRows` before asking for the next event.
   * `ndjson`: the rows are the lines after the metadata object rather than an array inside it.
   */
  | { kind: 'rows'; path: readonly string[]; ndjson: boolean }
  | { kind: 'end' };

/** Where Dataset-JSON keeps things: v1.1 at the top level, v1.0 under `clinicalData.itemGroupData.<OID>`. */
const DATA_KEYS = new Set(['clinicalData', 'referenceData']);

function isContainer(path: readonly string[]): boolean {
  if (path.length === 0 || !DATA_KEYS.has(path[0] ?? '')) return false;
  return path.length === 1 || (path[1] === 'itemGroupData' && path.length <= 3);
}

function isRows(path: readonly string[]): boolean {
  if (path.length === 1) return path[0] === 'rows';
  return path.length === 4 && isContainer(path.slice(0, 3)) && path[3] === 'itemData';
}

/**
 * Walks a Dataset-JSON document key by key without holding it: small values come out whole, the
 * objects that hold the rows are entered, and at the rows it stops so the caller can stream them.
 */
export class DocumentWalker {
  private readonly open: { path: string[]; first: boolean }[] = [];
  private started = false;
  private ndjsonSeen = false;

  constructor(private readonly src: JsonSource) {}

  async next(): Promise<WalkEvent> {
    if (!this.started) {
      this.started = true;
      const first = await this.src.peek();
      if (first !== '{') {
        throw new FormatError('not a Dataset-JSON file: it does not start with a JSON object', { file: this.src.file });
      }
      this.src.skip();
      this.open.push({ path: [], first: true });
    }
    for (;;) {
      const top = this.open.at(-1);
      if (!top) return this.afterDocument();
      const next = await this.src.peek();
      if (next === '') throw this.truncated();
      if (next === '}') {
        this.src.skip();
        this.open.pop();
        continue;
      }
      if (!top.first) await this.src.expect(',', '"," or "}" between keys', () => this.truncated());
      top.first = false;
      const key = await this.src.value(() => this.truncated());
      if (typeof key !== 'string')
        throw new FormatError('invalid JSON: expected a quoted key', { file: this.src.file });
      await this.src.expect(':', '":" after a key', () => this.truncated());
      const path = [...top.path, key];
      if (isRows(path)) return { kind: 'rows', path, ndjson: false };
      if (isContainer(path) && (await this.src.peek()) === '{') {
        this.src.skip();
        this.open.push({ path, first: true });
        continue;
      }
      return { kind: 'value', path, value: await this.src.value(() => this.truncated()) };
    }
  }

  /** After the top-level object: nothing (plain JSON) or one row array per line (NDJSON). */
  private async afterDocument(): Promise<WalkEvent> {
    const next = await this.src.peek();
    if (next === '') return { kind: 'end' };
    if (next === '[' && !this.ndjsonSeen) {
      this.ndjsonSeen = true;
      return { kind: 'rows', path: ['rows'], ndjson: true };
    }
    throw new FormatError(`unexpected content after the end of the JSON object (starting with "${next}")`, {
      file: this.src.file,
    });
  }

  private truncated(): FormatError {
    return new FormatError('the file ends before the JSON document is complete (truncated upload?)', {
      file: this.src.file,
    });
  }
}

/**
 * The rows of a `rows` event, as arrays of whatever rows are already buffered (so there is one
 * promise per chunk of text, not per row). Reads either a JSON array (`null` counting as no rows)
 * or, for NDJSON, every remaining line. `truncated(n)` is the error when the file ends inside
 * row `n`.
 */
export async function* readRows(
  src: JsonSource,
  ndjson: boolean,
  truncated: (row: number) => FormatError,
): AsyncGenerator<JsonValue[]> {
  let row = 0;
  if (!ndjson) {
    const start = await src.peek();
    if (start === 'n') {
      await src.value(() => truncated(1));
      return;
    }
    await src.expect('[', 'the rows array', () => truncated(1));
  }
  // In an array a row is followed by "," or "]"; NDJSON rows just follow each other.
  let afterRow = false;
  for (;;) {
    const rows: JsonValue[] = [];
    for (;;) {
      const next = src.peekSync();
      if (next === undefined) break;
      if (next === '') {
        if (ndjson) {
          if (rows.length > 0) yield rows;
          return;
        }
        throw truncated(row + 1);
      }
      if (!ndjson && (afterRow || row === 0) && next === ']') {
        src.skip();
        if (rows.length > 0) yield rows;
        return;
      }
      if (!ndjson && afterRow) {
        if (next !== ',') throw src.syntaxError(`expected "," or "]" after row ${row}, found "${next}"`);
        src.skip();
        afterRow = false;
        continue;
      }
      const value = src.valueSync();
      if (value === NEED_MORE) break;
      rows.push(value);
      row++;
      afterRow = true;
    }
    if (rows.length > 0) yield rows;
    if (!(await src.more())) throw truncated(row + 1);
  }
}

/** Reads past a `rows` event's rows without keeping them. */
export async function skipRows(
  src: JsonSource,
  ndjson: boolean,
  truncated: (row: number) => FormatError,
): Promise<void> {
  for await (const _rows of readRows(src, ndjson, truncated)) {
    // Parsing is the point: it finds the end of the rows and any damage in them.
  }
}
