/**
 * A streaming XML tag scanner for RWS responses, written for speed: it hands out elements with
 * their attributes and the text between them, and checks what a Rave pull needs checked (tags
 * nest and close, names and attributes are well formed, entity and character references are
 * known, nothing but whitespace outside the root, the document is complete). It does not read
 * DTDs (RWS never sends one; a DOCTYPE with an internal subset is refused) and keeps qualified
 * names as written (`mdsol:SubjectName`), as a namespace-unaware SAX parser does.
 *
 * Input is text: the caller decodes the bytes with a streaming TextDecoder, so a UTF-8 character
 * split across network chunks arrives whole. Nothing but the unfinished tail of a chunk is kept.
 */
export interface XmlTag {
  name: string;
  attributes: Record<string, string>;
}

/** The attributes of an `<ItemData>` a pull reads (one object, reused for every element). */
export interface ItemDataAttributes {
  ItemOID: string;
  Value: string | undefined;
  TransactionType: string | undefined;
  IsNull: string | undefined;
}

export interface XmlScanHandlers {
  open(tag: XmlTag): void;
  close(name: string): void;
  text?(text: string): void;
  /**
   * The fast path for `<ItemData>` inside the root (millions per clinical response): when given,
   * it is called instead of `open` with the four attributes a pull reads, scanned straight from
   * the text with no attributes object built (the others are checked, then dropped). The
   * element's `close` still follows.
   */
  itemData?(item: ItemDataAttributes): void;
}

/** The attributes the ItemData fast path keeps, by slot. */
const ITEM_KEYS = ['ItemOID', 'Value', 'TransactionType', 'IsNull'] as const;

export class XmlSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
    /** The document ended early: what a cut-off body looks like. */
    readonly cutOff = false,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'XmlSyntaxError';
  }
}

/** A tag, text run or comment longer than this is refused rather than buffered without end. */
const MAX_PENDING = 16 * 1024 * 1024;
const NAME = /^[A-Za-z_:\u00C0-\uFFFF][\w.:\-\u00B7-\uFFFF]*$/;
const REFERENCE = /^#(x[0-9A-Fa-f]+|[0-9]+)$/;
const NAMED = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

class Reject {
  constructor(
    readonly at: number,
    readonly reason: string,
  ) {}
}

const AMP: [string, number] = ['&', 5];
const LT: [string, number] = ['<', 4];
const GT: [string, number] = ['>', 4];
const QUOT: [string, number] = ['"', 6];
const APOS: [string, number] = ["'", 6];

/** The predefined entity at `amp` (`&amp;` …) and its length, read char by char; undefined for anything else. */
function namedAt(text: string, amp: number): [string, number] | undefined {
  const a = text.charCodeAt(amp + 1);
  if (a === 108 /* l */ || a === 103 /* g */) {
    if (text.charCodeAt(amp + 2) !== 116 /* t */ || text.charCodeAt(amp + 3) !== 59 /* ; */) return undefined;
    return a === 108 ? LT : GT;
  }
  if (a === 97 /* a */) {
    if (text.startsWith('mp;', amp + 2)) return AMP;
    if (text.startsWith('pos;', amp + 2)) return APOS;
    return undefined;
  }
  if (a === 113 /* q */ && text.startsWith('uot;', amp + 2)) return QUOT;
  return undefined;
}

/** Decodes entity and character references (a hot path: most RWS values hold `&amp;` or none). */
function decodeReferences(text: string, at: number): string {
  let out = '';
  let last = 0;
  for (let amp = text.indexOf('&'); amp >= 0; amp = text.indexOf('&', last)) {
    const named = namedAt(text, amp);
    if (named !== undefined) {
      out += text.slice(last, amp) + named[0];
      last = amp + named[1];
      continue;
    }
    const semi = text.indexOf(';', amp + 1);
    const name = semi < 0 || semi - amp > 12 ? '' : text.slice(amp + 1, semi);
    let char = NAMED.get(name);
    if (char === undefined) {
      if (!REFERENCE.test(name)) {
        throw new Reject(
          at,
          NAME.test(name) ? `unknown entity &${name};` : "'&' that does not start an entity or character reference",
        );
      }
      const code = name.charCodeAt(1) === 120 ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff))
        throw new Reject(at, `character reference &${name}; is not a valid character`);
      char = String.fromCodePoint(code);
    }
    out += text.slice(last, amp) + char;
    last = semi + 1;
  }
  return out + text.slice(last);
}

/** Whether `name` is a well-formed element or attribute name (the byte scanner's check). */
export function validName(name: string): boolean {
  return NAME.test(name);
}

/**
 * An attribute value's text as the scanner gives it (line ends and tabs as spaces, references
 * decoded): for the byte scanner (clinical-bytes.ts), which leaves the position of an error to
 * this scanner. Throws on a '<' or a reference it does not know.
 */
export function attributeText(value: string): string {
  if (value.indexOf('<') >= 0) throw new Reject(0, "'<' in an attribute value");
  let text = value;
  if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 || text.indexOf('\t') >= 0)
    text = text.replace(/\r\n|[\r\n\t]/g, ' ');
  return text.indexOf('&') >= 0 ? decodeReferences(text, 0) : text;
}

/** Text content's references checked as the scanner checks them (throws on one it does not know). */
export function checkReferences(text: string): void {
  decodeReferences(text, 0);
}

/**
 * How a piece of a document scanned on its own ended (see `XmlScanner.endPiece`): what the caller
 * needs to join the pieces' checks into the whole document's, in document order.
 */
export interface PieceEnd {
  /** Close tags of elements opened before the piece, in order, with where they are in the piece. */
  closes: { name: string; line: number; column: number }[];
  /** Elements still open at the piece's end, outermost first. */
  opens: string[];
  /**
   * The most `closes` seen when an element or non-space text came outside every element the piece
   * opened; -1 when none did. It needs an element still open there (the root), or it is content
   * after the root.
   */
  outside: number;
  /** Whether the root element started (the first piece only). */
  started: boolean;
  /** The piece ends inside a tag, comment or reference (no further piece may finish it). */
  unfinished: boolean;
  /** Line ends in the piece, and the column after its last character (1-based, from its last line). */
  lines: number;
  column: number;
}

export class XmlScanner {
  private buf = '';
  private pos = 0;
  private readonly stack: string[] = [];
  private readonly names = new Set<string>();
  private rootSeen = false;
  /** Lines and columns before `buf` (for error positions only). */
  private line = 1;
  private column = 1;
  /** Scanning a piece that starts inside the root (`inner`): closes of outer elements are kept, not refused. */
  private readonly inner: boolean;
  private readonly outerCloses: PieceEnd['closes'] = [];
  private outside = -1;

  /**
   * `piece`: scan a piece of a document on its own, to be joined with the others by the caller
   * (`endPiece` instead of `end`): `first` is the document's start, `inner` a piece that starts
   * inside the root element (at an element's start tag).
   */
  constructor(
    private readonly handlers: XmlScanHandlers,
    piece?: 'first' | 'inner',
  ) {
    this.inner = piece === 'inner';
    if (this.inner) this.rootSeen = true;
  }

  /** Whether the root element has started (an empty body never starts one). */
  get started(): boolean {
    return this.rootSeen;
  }

  write(chunk: string): void {
    this.advance();
    this.buf = this.pos < this.buf.length ? this.buf.slice(this.pos) + chunk : chunk;
    this.pos = 0;
    this.run(false);
    if (this.buf.length - this.pos > MAX_PENDING)
      this.fail(this.pos, 'a tag, comment or text run longer than 16 MB (not an RWS response?)');
  }

  /** The end of the input: anything still open means the document was cut off. */
  end(): void {
    this.run(true);
    const rest = this.buf.slice(this.pos);
    if (rest.trim() !== '' || this.stack.length > 0) {
      const open = this.stack.at(-1);
      throw this.error(
        this.buf.length,
        open && rest.trim() === ''
          ? `the document ends inside <${open}> (cut off?)`
          : 'the document ends inside a tag (cut off?)',
        true,
      );
    }
    if (!this.rootSeen) throw this.error(this.buf.length, 'no root element', true);
  }

  /**
   * The end of a piece (see the constructor): scans what is left, then says how the piece ended,
   * for the caller to check against the pieces before it.
   */
  endPiece(): PieceEnd {
    this.run(true);
    const unfinished = this.pos < this.buf.length;
    this.pos = this.buf.length;
    this.advance();
    this.buf = '';
    this.pos = 0;
    return {
      closes: this.outerCloses,
      opens: [...this.stack],
      outside: this.outside,
      started: this.rootSeen,
      unfinished,
      lines: this.line - 1,
      column: this.column,
    };
  }

  /** Counts the lines of what was consumed, so an error can say where it is. */
  private advance(): void {
    const s = this.buf;
    let nl = this.pos === 0 ? -1 : s.lastIndexOf('\n', this.pos - 1);
    if (nl < 0) {
      this.column += this.pos;
      return;
    }
    this.column = this.pos - nl;
    while (nl >= 0) {
      this.line++;
      nl = nl === 0 ? -1 : s.lastIndexOf('\n', nl - 1);
    }
  }

  private error(at: number, reason: string, cutOff = false): XmlSyntaxError {
    const before = this.buf.slice(0, at);
    const lastNl = before.lastIndexOf('\n');
    let lines = 0;
    for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) lines++;
    const column = lastNl < 0 ? this.column + at : at - lastNl;
    return new XmlSyntaxError(this.line + lines, column, reason, cutOff);
  }

  private fail(at: number, reason: string): never {
    throw this.error(at, reason);
  }

  private run(final: boolean): void {
    try {
      this.scan(final);
    } catch (error) {
      if (error instanceof Reject) this.fail(error.at, error.reason);
      throw error;
    }
  }

  private scan(final: boolean): void {
    const s = this.buf;
    const n = s.length;
    let i = this.pos;
    while (i < n) {
      const lt = s.indexOf('<', i);
      if (lt < 0) {
        // Text up to the end of the chunk: kept until the next '<' shows where it ends.
        if (final) {
          this.text(s, i, n);
          i = n;
        }
        break;
      }
      if (lt > i) this.text(s, i, lt);
      i = lt;
      if (lt + 1 >= n) break;
      const c = s.charCodeAt(lt + 1);
      let end: number;
      if (c === 47) end = this.closeTag(s, lt);
      else if (c === 63) end = this.skipTo(s, lt, '?>');
      else if (c === 33) end = this.markup(s, lt, final);
      else end = this.openTag(s, lt);
      if (end < 0) break;
      i = end;
    }
    this.pos = i;
  }

  private text(s: string, from: number, to: number): void {
    if (this.stack.length === 0) {
      for (let k = from; k < to; k++) {
        if (isSpace(s.charCodeAt(k))) continue;
        if (!this.inner) this.fail(k, this.rootSeen ? 'text after the root element' : 'text before the root element');
        // Inside an element opened before the piece, or after the root: the caller knows which.
        this.outside = this.outerCloses.length;
        break;
      }
      if (!this.inner) return;
    }
    const amp = s.indexOf('&', from);
    const hasReference = amp >= 0 && amp < to;
    if (!this.handlers.text) {
      if (hasReference) decodeReferences(s.slice(from, to), from);
      return;
    }
    const raw = s.slice(from, to);
    this.handlers.text(hasReference ? decodeReferences(raw, from) : raw);
  }

  private skipTo(s: string, lt: number, close: string): number {
    const e = s.indexOf(close, lt + 2);
    return e < 0 ? -1 : e + close.length;
  }

  /** `<!-- -->`, `<![CDATA[ ]]>` and a DOCTYPE without an internal subset. */
  private markup(s: string, lt: number, final: boolean): number {
    if (s.startsWith('<!--', lt)) return this.skipTo(s, lt, '-->');
    if (s.startsWith('<![CDATA[', lt)) {
      if (this.stack.length === 0) {
        if (!this.inner) this.fail(lt, 'CDATA outside the root element');
        this.outside = this.outerCloses.length;
      }
      const e = s.indexOf(']]>', lt + 9);
      if (e < 0) return -1;
      this.handlers.text?.(s.slice(lt + 9, e));
      return e + 3;
    }
    if (s.startsWith('<!DOCTYPE', lt)) {
      const gt = s.indexOf('>', lt);
      if (gt < 0) return -1;
      if (s.slice(lt, gt).includes('[')) this.fail(lt, 'a DOCTYPE with an internal subset (not an RWS response)');
      return gt + 1;
    }
    if (!final && s.length - lt < 9) return -1;
    this.fail(lt, "'<!' that starts no comment, CDATA section or DOCTYPE");
  }

  private checkName(name: string, at: number): void {
    if (this.names.has(name)) return;
    if (!NAME.test(name)) this.fail(at, name ? `invalid name "${name.slice(0, 40)}"` : 'a tag without a name');
    if (this.names.size < 10_000) this.names.add(name);
  }

  private closeTag(s: string, lt: number): number {
    const gt = s.indexOf('>', lt + 2);
    if (gt < 0) return -1;
    let e = gt;
    while (e > lt + 2 && isSpace(s.charCodeAt(e - 1))) e--;
    const name = s.slice(lt + 2, e);
    if (this.inner && this.stack.length === 0) {
      // An element opened before the piece: the caller matches it.
      this.checkName(name, lt + 2);
      const { line, column } = this.error(lt, '');
      this.outerCloses.push({ name, line, column });
      this.handlers.close(name);
      return gt + 1;
    }
    const open = this.stack.pop();
    if (open !== name) {
      this.fail(
        lt,
        open === undefined
          ? `unexpected close tag </${name.slice(0, 40)}> (no element is open)`
          : `unexpected close tag </${name.slice(0, 40)}> (<${open}> is open)`,
      );
    }
    this.handlers.close(name);
    return gt + 1;
  }

  /** An element's start tag with its attributes; -1 when the chunk ends inside it. */
  private openTag(s: string, lt: number): number {
    const n = s.length;
    let j = lt + 1;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (isSpace(c) || c === 62 || c === 47) break;
    }
    if (j >= n) return -1;
    // ItemData (millions per response) takes the fast path: its four attributes into slots.
    const fast =
      j - lt === 9 && this.handlers.itemData !== undefined && this.stack.length > 0 && s.startsWith('ItemData', lt + 1);
    const name = fast ? 'ItemData' : s.slice(lt + 1, j);
    if (!fast) {
      this.checkName(name, lt);
      if (this.stack.length === 0 && this.rootSeen) {
        if (!this.inner) this.fail(lt, `a second root element <${name}>`);
        this.outside = this.outerCloses.length;
      }
    }
    const end = this.attributes(s, j, name, fast);
    if (end < 0) return -1;
    if (fast) {
      const item = this.item;
      const values = this.slots;
      item.ItemOID = values[0] ?? '';
      item.Value = values[1];
      item.TransactionType = values[2];
      item.IsNull = values[3];
      this.handlers.itemData?.(item);
    } else {
      this.rootSeen = true;
      this.handlers.open({ name, attributes: this.attrs });
    }
    if (this.selfClosing) this.handlers.close(name);
    else this.stack.push(name);
    return end;
  }

  /** The attributes of the start tag being read (a new object per element: handlers may keep it). */
  private attrs: Record<string, string> = {};
  private selfClosing = false;
  private readonly slots: (string | undefined)[] = [undefined, undefined, undefined, undefined];
  private readonly item: ItemDataAttributes = {
    ItemOID: '',
    Value: undefined,
    TransactionType: undefined,
    IsNull: undefined,
  };

  /**
   * A start tag's attributes from `j` to its `>` or `/>`, checked (names, quoting, no repeats,
   * values normalized); returns the position after the tag, or -1 when the chunk ends inside it.
   * `fast` (ItemData): the four attributes a pull reads are recognised in place by length and
   * text (no key string, no name lookup) into `slots`; the others are checked, then dropped.
   * Otherwise every attribute goes into a new `attrs` object.
   */
  private attributes(s: string, j: number, name: string, fast: boolean): number {
    const n = s.length;
    const values = this.slots;
    let attributes: Record<string, string> | undefined;
    let others: string[] | undefined;
    if (fast) values.fill(undefined);
    else attributes = {};
    let selfClosing = false;
    for (;;) {
      const before = j;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      const c = s.charCodeAt(j);
      if (c === 62) {
        j++;
        break;
      }
      if (c === 47) {
        if (j + 1 >= n) return -1;
        if (s.charCodeAt(j + 1) !== 62) this.fail(j, `'/' not followed by '>' in <${name}>`);
        selfClosing = true;
        j += 2;
        break;
      }
      if (j === before) this.fail(j, `no space before an attribute of <${name}>`);
      const start = j;
      for (; j < n; j++) {
        const a = s.charCodeAt(j);
        if (a === 61 || isSpace(a) || a === 62 || a === 47) break;
      }
      if (j >= n) return -1;
      let slot = -1;
      if (fast) {
        const length = j - start;
        if (length === 7 && s.startsWith('ItemOID', start)) slot = 0;
        else if (length === 5 && s.startsWith('Value', start)) slot = 1;
        else if (length === 15 && s.startsWith('TransactionType', start)) slot = 2;
        else if (length === 6 && s.startsWith('IsNull', start)) slot = 3;
      }
      const key = slot >= 0 ? (ITEM_KEYS[slot] as string) : s.slice(start, j);
      if (slot < 0) this.checkName(key, start);
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      if (s.charCodeAt(j) !== 61) this.fail(j, `attribute ${key} of <${name}> has no value`);
      j++;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j >= n) return -1;
      const quote = s.charCodeAt(j);
      if (quote !== 34 && quote !== 39) this.fail(j, `attribute ${key} of <${name}> is not quoted`);
      const q = s.indexOf(quote === 34 ? '"' : "'", j + 1);
      if (q < 0) return -1;
      const value = this.attributeValue(s, j, q, key, name);
      if (slot >= 0) {
        if (values[slot] !== undefined) this.fail(start, `attribute ${key} repeated in <${name}>`);
        values[slot] = value;
      } else if (attributes) {
        if (Object.hasOwn(attributes, key)) this.fail(start, `attribute ${key} repeated in <${name}>`);
        attributes[key] = value;
      } else {
        others ??= [];
        if (others.includes(key)) this.fail(start, `attribute ${key} repeated in <${name}>`);
        others.push(key);
      }
      j = q + 1;
    }
    if (attributes) this.attrs = attributes;
    this.selfClosing = selfClosing;
    return j;
  }

  /** The value of the attribute quoted at `j`…`q`, checked and normalized (XML 1.0 §3.3.3). */
  private attributeValue(s: string, j: number, q: number, key: string, name: string): string {
    // Most values hold none of < & or a line end or tab: one pass over the text says so.
    let plain = true;
    for (let k = j + 1; k < q; k++) {
      const c = s.charCodeAt(k);
      if (c <= 60 && (c === 60 || c === 38 || c === 10 || c === 13 || c === 9)) {
        plain = false;
        break;
      }
    }
    let value = s.slice(j + 1, q);
    if (plain) return value;
    if (value.indexOf('<') >= 0) this.fail(j, `'<' in the value of attribute ${key} of <${name}>`);
    // A line end or tab is a space; references after.
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\t') >= 0)
      value = value.replace(/\r\n|[\r\n\t]/g, ' ');
    if (value.indexOf('&') >= 0) value = decodeReferences(value, j + 1);
    return value;
  }
}
