import { isUtf8 } from 'node:buffer';
import { indexOfLed, MARKUP_BANG, MARKUP_QUESTION } from './byte-search.ts';
import { BYTES_IN_PIECE, BYTES_IN_SCRATCH, type ClinicalDataHandler, HANDLER_ATTRIBUTES } from './clinical-data.ts';
import { attributeText, checkReferences, type ItemDataAttributes, type PieceEnd, validName } from './xml-scanner.ts';

/**
 * The clinical-data scanner of a full pull's pieces: it reads a piece that starts inside the root
 * element (at a `<SubjectData` start tag, see parse-clinical.ts) straight from its UTF-8 bytes into
 * the ClinicalDataHandler, as XmlScanner in 'inner' mode does from the decoded text, with the same
 * records, values, removals and PieceEnd. What makes it cheaper: no text for the whole piece, no
 * string per ItemData attribute (an ItemOID is compared with the item expected next, a Value goes
 * from the piece's bytes into the staging CSV), no attributes object per ItemData.
 *
 * It checks what XmlScanner checks and leaves every irregular case to it: a piece holding a comment,
 * CDATA section or processing instruction, or bytes that are not UTF-8, is not read here at all
 * (`scanPieceBytes` returns null); anything malformed, or a piece that ends inside a tag, stops it
 * with `NotForBytes`, and the caller reads the piece again with XmlScanner, whose answer (the
 * error at its line and column, or an end inside a tag that fails the document) is the one given.
 */

/** The byte scanner stopped at something XmlScanner must judge (see above). */
export class NotForBytes extends Error {}

const stop = (): never => {
  throw new NotForBytes();
};

const bytesOf = (text: string) => Buffer.from(text, 'latin1');

/** Element names a clinical-data response is made of: interned, compared as bytes. */
const KNOWN = ['ItemData', 'ItemGroupData', 'FormData', 'StudyEventData', 'SubjectData', 'SiteRef', 'ClinicalData'];
const KNOWN_BYTES = KNOWN.map(bytesOf);
const ITEM_DATA = 0;
const ITEM_OID = bytesOf('ItemOID');
const VALUE = bytesOf('Value');
const TRANSACTION_TYPE = bytesOf('TransactionType');
const IS_NULL = bytesOf('IsNull');
const REMOVE = bytesOf('Remove');
const YES = bytesOf('Yes');
const OID_OPEN = bytesOf(' ItemOID="');
const VALUE_OPEN = bytesOf(' Value="');

/** Names already found well formed (as XmlScanner keeps them, up to a bound). */
const validNames = new Set<string>();

function checked(name: string): string {
  if (validNames.has(name)) return name;
  if (!validName(name)) stop();
  if (validNames.size < 10_000) validNames.add(name);
  return name;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

function same(b: Uint8Array, at: number, end: number, what: Uint8Array): boolean {
  if (end - at !== what.length) return false;
  for (let k = 0; k < what.length; k++) if (b[at + k] !== what[k]) return false;
  return true;
}

function startsWith(b: Uint8Array, at: number, what: Uint8Array): boolean {
  if (at + what.length > b.length) return false;
  for (let k = 0; k < what.length; k++) if (b[at + k] !== what[k]) return false;
  return true;
}

function known(b: Uint8Array, at: number, end: number): number {
  for (let k = 0; k < KNOWN_BYTES.length; k++) if (same(b, at, end, KNOWN_BYTES[k] as Uint8Array)) return k;
  return -1;
}

/**
 * An attribute name of the tags other than ItemData (a few per tag, from a small set) with the
 * last plain value it had: the name's string, and the value's while its bytes repeat (an OID, a
 * repeat key, a subject's details), are made once rather than decoded from the bytes at every tag.
 */
class AttributeName {
  /** The last tag that had it (`tagsRead` then); -1: a name outside the table, checked by the tag's own object. */
  stamp = -1;
  private value = new Uint8Array(64);
  private valueLength = -1;
  private valueString = '';

  constructor(
    readonly bytes: Uint8Array,
    readonly name: string,
  ) {}

  /** The plain value `b[start, end)` as text. */
  text(b: Buffer, start: number, end: number): string {
    const n = end - start;
    if (n === this.valueLength) {
      const value = this.value;
      let k = 0;
      while (k < n && b[start + k] === value[k]) k++;
      if (k === n) return this.valueString;
    }
    if (n > this.value.length) this.value = new Uint8Array(Math.max(n, this.value.length * 2));
    this.value.set(b.subarray(start, end));
    this.valueLength = n;
    this.valueString = b.toString('utf8', start, end);
    return this.valueString;
  }
}

/** Tags of this thread read with their attributes so far (every piece, every lane): the stamps' clock. */
let tagsRead = 0;

/** The attribute names met so far (well formed), up to a bound. */
const attributeNames: AttributeName[] = [];

function attributeName(b: Buffer, start: number, end: number): AttributeName {
  for (let k = 0; k < attributeNames.length; k++) {
    const known = attributeNames[k] as AttributeName;
    if (same(b, start, end, known.bytes)) return known;
  }
  const name = new AttributeName(Buffer.from(b.subarray(start, end)), checked(b.toString('utf8', start, end)));
  if (attributeNames.length < 64) {
    name.stamp = 0;
    attributeNames.push(name);
  }
  return name;
}

/** What an attribute value's bytes hold beyond plain text. */
const PLAIN = 0;
/** `&` only: named references the byte decoder may decode. */
const AMP = 1;
/** `<`, a line end, a tab or a quote: XmlScanner's normalization (and a quote CSV must double). */
const OTHER = 2;

function valueKind(b: Uint8Array, start: number, end: number): number {
  let kind = PLAIN;
  for (let k = start; k < end; k++) {
    const c = b[k] as number;
    if (c > 60) continue;
    if (c === 38) kind = AMP;
    else if (c === 60 || c === 10 || c === 13 || c === 9 || c === 34) return OTHER;
  }
  return kind;
}

/** Reads the piece `bytes` into `handler`; null when the piece is left to XmlScanner untouched. */
export function scanPieceBytes(bytes: Uint8Array, handler: ClinicalDataHandler): PieceEnd | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (indexOfLed(b, MARKUP_BANG, 0) >= 0 || indexOfLed(b, MARKUP_QUESTION, 0) >= 0 || !isUtf8(b)) return null;
  handler.bytes = b;
  try {
    return new ByteScan(b, handler).run();
  } finally {
    handler.detachBytes();
  }
}

/** An ItemData the handler only counts (inside a removed element) or ignores (outside a record). */
const NO_ITEM: ItemDataAttributes = { ItemOID: '', Value: undefined, TransactionType: undefined, IsNull: undefined };

class ByteScan {
  private readonly stack: Uint8Array[] = [];
  private readonly names: string[] = [];
  private readonly closes: PieceEnd['closes'] = [];
  private outside = -1;
  private selfClosing = false;
  /** Line ends counted up to `counted`, and the last one's position (-1: none yet). */
  private counted = 0;
  private newlines = 0;
  private lastNewline = -1;
  /** The item the next ItemData most likely is: the one after the last (records list items in order). */
  private lastStage: unknown;
  private lastIndex = -1;

  constructor(
    private readonly b: Buffer,
    private readonly h: ClinicalDataHandler,
  ) {}

  run(): PieceEnd {
    const b = this.b;
    const n = b.length;
    let i = 0;
    while (i < n) {
      // The next '<': text between tags is short (a line end and indentation), a loop finds it sooner than a search.
      let lt = i;
      while (lt < n && b[lt] !== 60 && lt - i < 64) lt++;
      if (lt < n && b[lt] !== 60) lt = b.indexOf(60, lt);
      if (lt < 0 || lt >= n) {
        this.text(i, n);
        break;
      }
      if (lt > i) this.text(i, lt);
      if (lt + 1 >= n) stop();
      i = b[lt + 1] === 47 ? this.closeTag(lt) : this.openTag(lt);
    }
    const end = this.position(n);
    return {
      closes: this.closes,
      opens: [...this.names],
      outside: this.outside,
      started: true,
      unfinished: false,
      lines: end.line - 1,
      column: end.column,
    };
  }

  /** Line and column of byte `at` as XmlScanner counts them (UTF-16 units; `at` never goes back). */
  private position(at: number): { line: number; column: number } {
    const b = this.b;
    // Line ends found by a native search (memchr), not a loop over every byte of the piece; the
    // search stops at `at` (a piece with few line ends is not searched to its end at every call).
    const upTo = at < b.length ? b.subarray(0, at) : b;
    for (let k = upTo.indexOf(10, this.counted); k >= 0; k = upTo.indexOf(10, k + 1)) {
      this.newlines++;
      this.lastNewline = k;
    }
    this.counted = at;
    let units = 0;
    for (let k = Math.max(this.lastNewline, 0); k < at; k++) {
      const c = b[k] as number;
      if ((c & 0xc0) !== 0x80) units += c >= 0xf0 ? 2 : 1;
    }
    return { line: 1 + this.newlines, column: this.lastNewline < 0 ? 1 + units : units };
  }

  private text(from: number, to: number): void {
    const b = this.b;
    let amp = false;
    let outside = this.stack.length === 0;
    for (let k = from; k < to; k++) {
      const c = b[k] as number;
      if (c === 38) amp = true;
      if (outside && !isSpace(c)) {
        // Text outside every element the piece opened: the caller knows whether that is allowed.
        this.outside = this.closes.length;
        outside = false;
      }
    }
    if (amp) {
      try {
        checkReferences(b.toString('utf8', from, to));
      } catch {
        stop();
      }
    }
  }

  private closeTag(lt: number): number {
    const b = this.b;
    const gt = b.indexOf(62, lt + 2);
    if (gt < 0) stop();
    let e = gt;
    while (e > lt + 2 && isSpace(b[e - 1] as number)) e--;
    const open = this.stack.pop();
    if (open === undefined) {
      // An element opened before the piece: the caller matches it.
      const name = checked(b.toString('utf8', lt + 2, e));
      const { line, column } = this.position(lt);
      this.closes.push({ name, line, column });
      this.h.close(name);
      return gt + 1;
    }
    const name = this.names.pop() as string;
    if (!same(b, lt + 2, e, open)) stop();
    this.h.close(name);
    return gt + 1;
  }

  private openTag(lt: number): number {
    const b = this.b;
    const n = b.length;
    let j = lt + 1;
    for (; j < n; j++) {
      const c = b[j] as number;
      if (isSpace(c) || c === 62 || c === 47) break;
    }
    if (j >= n) stop();
    const k = known(b, lt + 1, j);
    if (k === ITEM_DATA && this.stack.length > 0) return this.itemData(j);
    const name = k >= 0 ? (KNOWN[k] as string) : checked(b.toString('utf8', lt + 1, j));
    if (this.stack.length === 0) this.outside = this.closes.length;
    const attributes: Record<string, string> = {};
    const end = this.attributes(j, attributes);
    this.h.open({ name, attributes });
    if (this.selfClosing) this.h.close(name);
    else {
      this.stack.push(k >= 0 ? (KNOWN_BYTES[k] as Uint8Array) : Buffer.from(b.subarray(lt + 1, j)));
      this.names.push(name);
    }
    return end;
  }

  /**
   * Steps over the spaces before the next attribute, or reads the tag's end: the position of the
   * attribute's name, or -1 after `>` / `/>` (`selfClosing` says which) with `this.at` after it.
   */
  private at = 0;
  private nextAttribute(j: number): number {
    const b = this.b;
    const n = b.length;
    const before = j;
    while (j < n && isSpace(b[j] as number)) j++;
    if (j >= n) stop();
    const c = b[j];
    if (c === 62) {
      this.selfClosing = false;
      this.at = j + 1;
      return -1;
    }
    if (c === 47) {
      if (b[j + 1] !== 62) stop();
      this.selfClosing = true;
      this.at = j + 2;
      return -1;
    }
    if (j === before) stop();
    return j;
  }

  /** The end of an attribute's name from `start`. */
  private nameEnd(start: number): number {
    const b = this.b;
    const n = b.length;
    let j = start;
    for (; j < n; j++) {
      const a = b[j] as number;
      if (a === 61 || isSpace(a) || a === 62 || a === 47) break;
    }
    if (j >= n) stop();
    return j;
  }

  /** What the last value found by `valueEnd` holds (PLAIN, AMP or OTHER). */
  private kind = PLAIN;

  /** The closing quote of the value opened at `open`, its content's kind in `kind`. */
  private valueEnd(open: number): number {
    const b = this.b;
    const n = b.length;
    const quote = b[open];
    let kind = PLAIN;
    for (let k = open + 1; k < n; k++) {
      const c = b[k] as number;
      if (c === quote) {
        this.kind = kind;
        return k;
      }
      if (c > 60) continue;
      if (c === 38) {
        if (kind === PLAIN) kind = AMP;
      } else if (c === 60 || c === 10 || c === 13 || c === 9 || c === 34) kind = OTHER;
    }
    return stop();
  }

  /** The opening quote of an attribute's value after its name ends at `j`. */
  private quoteAt(j: number): number {
    const b = this.b;
    const n = b.length;
    while (j < n && isSpace(b[j] as number)) j++;
    if (j >= n || b[j] !== 61) stop();
    j++;
    while (j < n && isSpace(b[j] as number)) j++;
    if (j >= n) stop();
    const quote = b[j];
    if (quote !== 34 && quote !== 39) stop();
    return j;
  }

  /** A value's text as XmlScanner gives it. */
  private valueText(start: number, end: number, kind = valueKind(this.b, start, end)): string {
    const raw = this.b.toString('utf8', start, end);
    if (kind === PLAIN) return raw;
    try {
      return attributeText(raw);
    } catch {
      return stop();
    }
  }

  private attributes(j: number, attributes: Record<string, string>): number {
    const b = this.b;
    const tag = ++tagsRead;
    for (;;) {
      const start = this.nextAttribute(j);
      if (start < 0) return this.at;
      j = this.nameEnd(start);
      const known = attributeName(b, start, j);
      const open = this.quoteAt(j);
      const close = this.valueEnd(open);
      if (known.stamp >= 0) {
        // A name of the table: its stamp says whether this tag had it already.
        if (known.stamp === tag) stop();
        known.stamp = tag;
      } else if (Object.hasOwn(attributes, known.name)) stop();
      if (known.stamp < 0 || HANDLER_ATTRIBUTES.has(known.name)) {
        attributes[known.name] =
          this.kind === PLAIN ? known.text(b, open + 1, close) : this.valueText(open + 1, close, this.kind);
      } else if (this.kind !== PLAIN) this.valueText(open + 1, close, this.kind); // checked, then dropped
      j = close + 1;
    }
  }

  /** An `<ItemData>` inside the root, its name ending at `j`. */
  private itemData(j: number): number {
    const b = this.b;
    let oid = -1;
    let oidEnd = 0;
    let oidKind = PLAIN;
    let value = -1;
    let valueEnd = 0;
    let kind = PLAIN;
    let transaction = -1;
    let transactionEnd = 0;
    let isNull = -1;
    let isNullEnd = 0;
    let others: string[] | undefined;
    // RWS writes ` ItemOID="…" Value="…"` first: matched as those bytes, without reading names.
    if (startsWith(b, j, OID_OPEN)) {
      oid = j + OID_OPEN.length;
      oidEnd = this.valueEnd(oid - 1);
      oidKind = this.kind;
      j = oidEnd + 1;
      if (startsWith(b, j, VALUE_OPEN)) {
        value = j + VALUE_OPEN.length;
        valueEnd = this.valueEnd(value - 1);
        kind = this.kind;
        j = valueEnd + 1;
      }
    }
    for (;;) {
      const start = this.nextAttribute(j);
      if (start < 0) break;
      j = this.nameEnd(start);
      const open = this.quoteAt(j);
      const close = this.valueEnd(open);
      if (same(b, start, j, ITEM_OID)) {
        if (oid >= 0) stop();
        oid = open + 1;
        oidEnd = close;
        oidKind = this.kind;
      } else if (same(b, start, j, VALUE)) {
        if (value >= 0) stop();
        value = open + 1;
        valueEnd = close;
        kind = this.kind;
      } else if (same(b, start, j, TRANSACTION_TYPE)) {
        if (transaction >= 0) stop();
        transaction = open + 1;
        transactionEnd = close;
      } else if (same(b, start, j, IS_NULL)) {
        if (isNull >= 0) stop();
        isNull = open + 1;
        isNullEnd = close;
      } else {
        const key = checked(b.toString('utf8', start, j));
        others ??= [];
        if (others.includes(key)) stop();
        others.push(key);
        this.valueText(open + 1, close, this.kind);
      }
      j = close + 1;
    }
    const end = this.at;
    const selfClosing = this.selfClosing;
    this.item(oid, oidEnd, oidKind, value, valueEnd, kind, transaction, transactionEnd, isNull, isNullEnd);
    if (selfClosing) this.h.close('ItemData');
    else {
      this.stack.push(KNOWN_BYTES[ITEM_DATA] as Uint8Array);
      this.names.push('ItemData');
    }
    return end;
  }

  /** Is the value at `start`…`end` (-1: absent) `what` once read as XmlScanner reads it? */
  private equals(start: number, end: number, what: Buffer): boolean {
    if (start < 0) return false;
    const kind = valueKind(this.b, start, end);
    if (kind === PLAIN) return same(this.b, start, end, what);
    return this.valueText(start, end, kind) === what.toString('latin1');
  }

  /** What ClinicalDataHandler.itemData does, from byte ranges. */
  private item(
    oid: number,
    oidEnd: number,
    oidKind: number,
    value: number,
    valueEnd: number,
    kind: number,
    transaction: number,
    transactionEnd: number,
    isNull: number,
    isNullEnd: number,
  ): void {
    const h = this.h;
    const b = this.b;
    const stage = h.recordStage();
    const remove = this.equals(transaction, transactionEnd, REMOVE);
    const cleared = remove || this.equals(isNull, isNullEnd, YES) || value === valueEnd;
    // XmlScanner checks every value, also where the handler ignores it; a value kept is checked as it is read.
    if (oidKind !== PLAIN && (!stage || (!remove && value < 0))) this.valueText(oid, oidEnd, oidKind);
    if (kind !== PLAIN && (!stage || cleared)) this.valueText(value, valueEnd, kind);
    if (!stage) {
      h.itemData(NO_ITEM); // counts its depth inside a removed element, or ignores it
      return;
    }
    if (!remove && value < 0) return; // audit-style ItemData without a value: no change
    let index = -1;
    stage.itemBytes ??= stage.items.map((item) => Buffer.from(item, 'utf8'));
    if (oidKind === PLAIN && oid >= 0) {
      // The item expected next (or the record's first), compared as bytes: no string for the OID.
      const known = stage.itemBytes;
      if (this.lastStage !== stage) {
        this.lastStage = stage;
        this.lastIndex = -1;
      }
      const next = known[this.lastIndex + 1];
      if (next !== undefined && same(b, oid, oidEnd, next)) index = this.lastIndex + 1;
      else {
        // An item left out of the record (or a new record): the others, compared as bytes too
        // (up to a bound: a wide form out of order takes the map lookup).
        for (let k = 0; k < known.length && k < 64; k++) {
          if (same(b, oid, oidEnd, known[k] as Uint8Array)) {
            index = k;
            break;
          }
        }
      }
    }
    if (index < 0) {
      index = h.itemIndexOf(stage, oid < 0 ? '' : this.valueText(oid, oidEnd, oidKind));
      this.lastStage = stage;
    }
    this.lastIndex = index;
    if (cleared) h.itemValue(index, null, 0, 0, 0);
    else if (kind === PLAIN) h.itemValue(index, null, BYTES_IN_PIECE, value, valueEnd);
    else if (kind === AMP) {
      const start = h.scratchLength;
      const end = this.decodeInto(value, valueEnd);
      if (end >= 0) h.itemValue(index, null, BYTES_IN_SCRATCH, start, end);
      else h.itemValue(index, this.valueText(value, valueEnd, kind), 0, 0, 0);
    } else h.itemValue(index, this.valueText(value, valueEnd, kind), 0, 0, 0);
  }

  /**
   * Decodes a value holding `&` and no other markup into the handler's scratch bytes: `&lt;`,
   * `&gt;`, `&amp;` and `&apos;`; -1 (nothing kept) for any other reference, or `&quot;` (a
   * quote CSV must double): the text path reads those.
   */
  private decodeInto(start: number, end: number): number {
    const b = this.b;
    const h = this.h;
    const out = h.scratchRoom(end - start);
    let at = h.scratchLength;
    for (let k = start; k < end; ) {
      const c = b[k] as number;
      if (c !== 38) {
        out[at++] = c;
        k++;
        continue;
      }
      const a = b[k + 1];
      if ((a === 108 || a === 103) && b[k + 2] === 116 && b[k + 3] === 59 && k + 4 <= end) {
        out[at++] = a === 108 ? 60 : 62; // &lt; &gt;
        k += 4;
      } else if (a === 97 && b[k + 2] === 109 && b[k + 3] === 112 && b[k + 4] === 59 && k + 5 <= end) {
        out[at++] = 38; // &amp;
        k += 5;
      } else if (
        a === 97 &&
        b[k + 2] === 112 &&
        b[k + 3] === 111 &&
        b[k + 4] === 115 &&
        b[k + 5] === 59 &&
        k + 6 <= end
      ) {
        out[at++] = 39; // &apos;
        k += 6;
      } else return -1;
    }
    h.scratchLength = at;
    return at;
  }
}
