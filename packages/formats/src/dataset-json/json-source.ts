import { createReadStream, type ReadStream } from 'node:fs';
import { FormatError } from '../errors.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Thrown by the synchronous parser when the buffer ends inside a value; the caller reads more. */
const INCOMPLETE = Symbol('incomplete');

/** Deeper nesting than any Dataset-JSON needs; a guard against stack exhaustion on hostile input. */
const MAX_DEPTH = 256;

/**
 * One value (a row, the `columns` array) must fit in memory, the file need not. A value larger
 * than this is not a row or metadata any real writer produces.
 */
const MAX_VALUE_CHARS = 256 * 1024 * 1024;

/** What `valueSync` returns when the buffered text ends inside the value: call `more()` and retry. */
export const NEED_MORE = Symbol('need more text');

/**
 * Streamed JSON text with a synchronous value parser on top: the file is decoded chunk by chunk,
 * and a value that straddles a chunk boundary is parsed again once more text is in. Rows are
 * small, so re-parsing costs little; for a large value the buffer grows geometrically, which keeps
 * the work linear. The synchronous methods let a caller parse every row already buffered without
 * a promise per row.
 */
export class JsonSource {
  private text = '';
  private pos = 0;
  private eof = false;
  private bytes = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly chunks: AsyncIterator<Buffer>;

  private constructor(
    private readonly stream: ReadStream,
    readonly file: string,
  ) {
    this.chunks = stream[Symbol.asyncIterator]();
  }

  /** `chunkBytes` is for tests that need values to straddle chunk boundaries. */
  static open(path: string, file: string, chunkBytes = 256 * 1024): JsonSource {
    return new JsonSource(createReadStream(path, { highWaterMark: chunkBytes }), file);
  }

  close(): void {
    this.stream.destroy();
  }

  /**
   * Skips whitespace and returns the next character without consuming it: `''` at the end of the
   * file, `undefined` when more text must be read first.
   */
  peekSync(): string | undefined {
    const text = this.text;
    let i = this.pos;
    while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
    this.pos = i;
    if (i < text.length) return text.charAt(i);
    return this.eof ? '' : undefined;
  }

  /** Like `peekSync`, reading more text when needed. */
  async peek(): Promise<string> {
    for (;;) {
      const next = this.peekSync();
      if (next !== undefined) return next;
      await this.more();
    }
  }

  /** Consumes `char` (after whitespace) or fails saying what was expected. */
  async expect(char: string, what: string, truncated: () => FormatError): Promise<void> {
    const next = await this.peek();
    if (next === '') throw truncated();
    if (next !== char) throw this.syntaxError(`expected ${what}, found ${describe(next)}`);
    this.pos++;
  }

  /** Consumes the character a peek just returned. */
  skip(): void {
    this.pos++;
  }

  /** Parses one complete value at the current position, or says more text is needed. */
  valueSync(): JsonValue | typeof NEED_MORE {
    const parser = new ValueParser(this.text, this.pos, this.eof);
    try {
      const value = parser.parse();
      this.pos = parser.index;
      return value;
    } catch (error) {
      if (error === INCOMPLETE) return NEED_MORE;
      if (error instanceof ParseProblem) throw this.syntaxError(error.message, error.index);
      throw error;
    }
  }

  /** Like `valueSync`, reading more text when needed; `truncated` is the error when the file ends first. */
  async value(truncated: () => FormatError): Promise<JsonValue> {
    for (;;) {
      const value = this.valueSync();
      if (value !== NEED_MORE) return value;
      if (!(await this.more())) throw truncated();
    }
  }

  /**
   * Reads more text: at least one chunk, and until the unparsed text has doubled, so a value much
   * larger than a chunk is not re-parsed once per chunk. `false` when the file has nothing more.
   */
  async more(): Promise<boolean> {
    if (this.eof) return false;
    const target = Math.max(1, (this.text.length - this.pos) * 2);
    do {
      await this.fill();
    } while (!this.eof && this.text.length - this.pos < target);
    return true;
  }

  private async fill(): Promise<void> {
    const next = await this.chunks.next();
    let decoded: string;
    try {
      decoded = next.done ? this.decoder.decode() : this.decoder.decode(next.value, { stream: true });
    } catch {
      const reason = next.done
        ? 'the file ends inside a multi-byte character (truncated upload?)'
        : 'the file is not valid UTF-8 text (Dataset-JSON must be UTF-8)';
      throw new FormatError(reason, { file: this.file, offset: this.bytes });
    }
    if (next.done) this.eof = true;
    else this.bytes += next.value.length;
    this.text = this.text.slice(this.pos) + decoded;
    this.pos = 0;
    if (this.text.length > MAX_VALUE_CHARS) {
      throw new FormatError('a single JSON value is larger than 256 MB; this is not a Dataset-JSON row or metadata', {
        file: this.file,
      });
    }
  }

  /** An "invalid JSON" error quoting the text at `index` (default: the current position). */
  syntaxError(message: string, index = this.pos): FormatError {
    const near = this.text.slice(index, index + 30).replace(/\s+/g, ' ');
    return new FormatError(`invalid JSON: ${message}${near ? ` near "${near}"` : ''}`, { file: this.file });
  }
}

class ParseProblem {
  constructor(
    readonly message: string,
    readonly index: number,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** A plain recursive-descent JSON parser over one string that reports "need more text" by throwing `INCOMPLETE`. */
class ValueParser {
  index: number;

  constructor(
    private readonly s: string,
    start: number,
    private readonly eof: boolean,
  ) {
    this.index = start;
  }

  parse(depth = 0): JsonValue {
    if (depth > MAX_DEPTH) throw new ParseProblem(`nesting deeper than ${MAX_DEPTH} levels`, this.index);
    this.whitespace();
    const c = this.s.charCodeAt(this.index);
    if (c === 0x22) return this.string();
    if (c === 0x5b) return this.array(depth);
    if (c === 0x7b) return this.object(depth);
    if (c === 0x74) return this.literal('true', true);
    if (c === 0x66) return this.literal('false', false);
    if (c === 0x6e) return this.literal('null', null);
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (Number.isNaN(c)) throw INCOMPLETE;
    throw new ParseProblem(`unexpected ${describe(this.s.charAt(this.index))}`, this.index);
  }

  private array(depth: number): JsonValue[] {
    this.index++;
    const out: JsonValue[] = [];
    if (this.peekCode() === 0x5d) {
      this.index++;
      return out;
    }
    for (;;) {
      out.push(this.parse(depth + 1));
      const c = this.peekCode();
      this.index++;
      if (c === 0x2c) continue;
      if (c === 0x5d) return out;
      throw new ParseProblem('expected "," or "]" in an array', this.index - 1);
    }
  }

  private object(depth: number): { [key: string]: JsonValue } {
    this.index++;
    const out: { [key: string]: JsonValue } = {};
    if (this.peekCode() === 0x7d) {
      this.index++;
      return out;
    }
    for (;;) {
      if (this.peekCode() !== 0x22) throw new ParseProblem('expected a quoted key', this.index);
      const key = this.string();
      if (this.peekCode() !== 0x3a) throw new ParseProblem('expected ":" after a key', this.index);
      this.index++;
      out[key] = this.parse(depth + 1);
      const c = this.peekCode();
      this.index++;
      if (c === 0x2c) continue;
      if (c === 0x7d) return out;
      throw new ParseProblem('expected "," or "}" in an object', this.index - 1);
    }
  }

  /** Whitespace, then the next character code; `INCOMPLETE` at the end of the buffer. */
  private peekCode(): number {
    this.whitespace();
    if (this.index >= this.s.length) throw INCOMPLETE;
    return this.s.charCodeAt(this.index);
  }

  private whitespace(): void {
    const s = this.s;
    let i = this.index;
    while (i < s.length && isWhitespace(s.charCodeAt(i))) i++;
    this.index = i;
  }

  private string(): string {
    const s = this.s;
    let i = this.index + 1;
    let out = '';
    let from = i;
    for (;;) {
      if (i >= s.length) throw INCOMPLETE;
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        out += s.slice(from, i);
        this.index = i + 1;
        return out;
      }
      if (c < 0x20) throw new ParseProblem('control character inside a string', i);
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += s.slice(from, i);
      if (i + 1 >= s.length) throw INCOMPLETE;
      const e = s.charAt(i + 1);
      if (e === 'u') {
        if (i + 6 > s.length) throw INCOMPLETE;
        const hex = s.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ParseProblem('bad \\u escape', i);
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 6;
      } else {
        const decoded = ESCAPES[e];
        if (decoded === undefined) throw new ParseProblem(`bad escape \\${e}`, i);
        out += decoded;
        i += 2;
      }
      from = i;
    }
  }

  private number(): number {
    const s = this.s;
    let end = this.index;
    while (end < s.length && isNumberChar(s.charCodeAt(end))) end++;
    // A number running to the end of the buffer may continue in the next chunk.
    if (end >= s.length && !this.eof) throw INCOMPLETE;
    NUMBER.lastIndex = this.index;
    const m = NUMBER.exec(s);
    if (!m || m[0].length !== end - this.index) throw new ParseProblem('malformed number', this.index);
    this.index = end;
    return Number(m[0]);
  }

  private literal<T extends JsonValue>(word: string, value: T): T {
    const have = this.s.slice(this.index, this.index + word.length);
    if (have === word) {
      this.index += word.length;
      return value;
    }
    if (have.length < word.length && word.startsWith(have)) throw INCOMPLETE;
    throw new ParseProblem(`unexpected ${describe(have.charAt(0))}`, this.index);
  }
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Digits, sign, point and exponent: the characters a JSON number can continue with. */
function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function describe(char: string): string {
  return char === '' ? 'the end of the file' : `"${char}"`;
}
