import { closeSync, openSync, writeSync } from 'node:fs';
import type { ItemDataAttributes, XmlTag } from './xml-scanner.ts';
import { attr, type XmlHandlers } from './xml-stream.ts';

/**
 * Turns RWS clinical data (ODM 1.3 ClinicalData, snapshot or transactional) into three CSV files
 * that DuckDB reads in one go: the records (one per ItemGroupData, with its subject, event, form
 * and item-group keys), the cells (one per ItemData: record, item, value) and the removals (a
 * subject, event, form or item group removed or inactivated). Every cell and removal carries a
 * sequence number so the merge applies them in the order the server sent them.
 */
export class CsvSink {
  /** The lines not yet written, as UTF-8 bytes (reused once written). */
  private buf = Buffer.allocUnsafe(1 << 16);
  private length = 0;
  rows = 0;
  /**
   * Written synchronously: a sink lives on a parsing thread (or holds small files), and a write
   * stream's per-write request and a fresh buffer per write cost a parser thread ~10 % of its CPU
   * (a profile of the bench's full pull) for nothing it could do meanwhile.
   */
  private fd: number | null;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'w');
  }

  push(fields: (string | number | null)[]): void {
    let line = '';
    for (let i = 0; i < fields.length; i++) {
      const v = fields[i];
      if (i > 0) line += ',';
      if (v === null || v === undefined) continue;
      if (typeof v === 'number') line += v;
      else line += `"${v.includes('"') ? v.replaceAll('"', '""') : v}"`;
    }
    line += '\n';
    this.text(line);
    this.rows++;
  }

  /** Room for `bytes` more bytes. */
  private room(bytes: number): Buffer {
    if (this.length + bytes > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    return this.buf;
  }

  /** Text as it is (a line's own pieces: the caller quotes). */
  text(text: string): void {
    this.length += this.room(text.length * 3).write(text, this.length, 'utf8');
  }

  byte(byte: number): void {
    this.room(1)[this.length++] = byte;
  }

  /**
   * A text field: quoted, a quote doubled. Short ASCII text (a record's keys: every line has nine)
   * is copied char by char: a native UTF-8 write per field cost more than the copy.
   */
  quoted(text: string): void {
    const n = text.length;
    if (n <= 64) {
      const buf = this.room(n + 2);
      let at = this.length;
      buf[at++] = 34;
      for (let k = 0; k < n; k++) {
        const c = text.charCodeAt(k);
        if (c >= 128 || c === 34) {
          this.quotedText(text);
          return;
        }
        buf[at++] = c;
      }
      buf[at++] = 34;
      this.length = at;
      return;
    }
    this.quotedText(text);
  }

  private quotedText(text: string): void {
    this.byte(34);
    this.text(text.includes('"') ? text.replaceAll('"', '""') : text);
    this.byte(34);
  }

  /** Bytes as they are (the caller knows they need no quoting). */
  raw(from: Uint8Array, start: number, end: number): void {
    const buf = this.room(end - start);
    let at = this.length;
    for (let k = start; k < end; k++) buf[at++] = from[k] as number;
    this.length = at;
  }

  /** A text field from UTF-8 bytes that hold no quote: quoted. */
  quotedBytes(from: Uint8Array, start: number, end: number): void {
    const buf = this.room(end - start + 2);
    let at = this.length;
    buf[at++] = 34;
    if (end - start > 48) {
      buf.set(from.subarray(start, end), at);
      at += end - start;
    } else for (let k = start; k < end; k++) buf[at++] = from[k] as number;
    buf[at++] = 34;
    this.length = at;
  }

  /** The end of a line written with `text`, `byte` and the quoted writers. */
  endLine(): void {
    this.byte(10);
    this.rows++;
  }

  /** Writes the lines out once `FLUSH_BYTES` wait (all of them with `force`). */
  async flush(force = false): Promise<void> {
    this.flushSync(force);
  }

  private flushSync(force: boolean): void {
    if (this.length === 0 || (!force && this.length < FLUSH_BYTES)) return;
    if (this.fd === null) throw new Error(`${this.file} is closed`);
    for (let at = 0; at < this.length; ) at += writeSync(this.fd, this.buf, at, this.length - at);
    this.length = 0;
  }

  async close(): Promise<void> {
    if (this.fd === null) return;
    try {
      this.flushSync(true);
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

/** Bytes a sink collects before it writes them (twenty forms' sinks per parsing thread). */
const FLUSH_BYTES = 1 << 18;

/** The keys of a record (one ItemGroupData), in the staging CSV and the per-form state alike. */
export const KEY = ['subject_key', 'event_oid', 'event_rk', 'form_rk', 'ig_oid', 'ig_rk'] as const;
/** A staged record: its sequence number, keys, subject details, which items it carries, then their values. */
export const RECORD_COLUMNS = ['seq', ...KEY, 'subject_name', 'site', 'site_number', 'present'] as const;
export const REMOVAL_COLUMNS = [
  'level',
  'subject_key',
  'event_oid',
  'event_rk',
  'form_oid',
  'form_rk',
  'ig_oid',
  'ig_rk',
  'seq',
] as const;

/** A removal's level: what it removes, with everything below it. */
export const LEVEL = { subject: 1, event: 2, form: 3, group: 4 } as const;

/** One form's incoming records: a CSV in the pull's work folder, its items in order of appearance. */
export interface FormStage {
  form: string;
  file: string;
  items: string[];
  itemIndex: Map<string, number>;
  /** Each item's OID as UTF-8 bytes, by index (the byte scanner compares the next ItemData's with the item expected). */
  itemBytes?: Uint8Array[];
  sink: CsvSink;
  /**
   * A record key came twice in one response (or a subject's data came in two blocks, so this
   * cannot be ruled out): its copies must be combined, in order. Without it, a form of a full
   * pull is its staged lines as they are, with no grouping.
   */
  repeated?: boolean;
}

/**
 * A form's incoming records for the merge: one or more staged CSVs (one per parsing lane), each
 * with its own item order; `items` is their union.
 */
export interface StagedForm {
  form: string;
  items: string[];
  parts: { file: string; items: string[] }[];
  repeated: boolean;
}

export interface ClinicalCounts {
  cells: number;
  removals: number;
  subjects: Set<string>;
  forms: Set<string>;
  metadataVersions: Set<string>;
}

/** Counts of nothing read yet. */
export function noCounts(): ClinicalCounts {
  return { cells: 0, removals: 0, subjects: new Set(), forms: new Set(), metadataVersions: new Set() };
}

const FNV_OFFSET = 0x811c9dc5 | 0;

/** FNV-1a over `text`'s UTF-16 units and a separator after it, from hash `h`. */
function hashText(h: number, text: string): number {
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return Math.imul(h ^ 0xffff, 0x01000193);
}
const EMPTY = Buffer.alloc(0);
export const BYTES_IN_PIECE = 1;
export const BYTES_IN_SCRATCH = 2;

/**
 * A copy of `text` that holds no reference to the document text it was cut from. An attribute
 * value is a slice of its piece of the document, and V8 keeps the whole piece alive while the
 * slice lives: a SubjectKey kept in a set for the whole pull kept every piece it came from.
 */
function detached(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/**
 * The attributes `ClinicalDataHandler.open` reads (keep in step with it): the byte scanner checks
 * every attribute of a tag but hands over only these.
 */
export const HANDLER_ATTRIBUTES: ReadonlySet<string> = new Set([
  'MetaDataVersionOID',
  'SubjectKey',
  'mdsol:SubjectName',
  'LocationOID',
  'mdsol:StudyEnvSiteNumber',
  'StudyEventOID',
  'StudyEventRepeatKey',
  'FormOID',
  'FormRepeatKey',
  'ItemGroupOID',
  'ItemGroupRepeatKey',
  'TransactionType',
  'mdsol:Active',
]);

/** Rave marks an inactivated or removed element with TransactionType="Remove" or mdsol:Active="No". */
function removed(tag: XmlTag): boolean {
  return attr(tag, 'TransactionType') === 'Remove' || attr(tag, 'mdsol:Active') === 'No';
}

/**
 * Writes RWS clinical data as it streams by into one CSV per form, a line per ItemGroupData with
 * its items side by side (the shape of the final dataset, so nothing has to be pivoted later),
 * and removals into one more CSV. `present` marks which items the record carried: an item left
 * out changes nothing, an item with IsNull, an empty Value or TransactionType="Remove" clears it.
 * Every record and removal carries a sequence number so the merge applies them in order.
 */
export class ClinicalDataHandler implements XmlHandlers {
  private subjectKey = '';
  private subjectName = '';
  private site = '';
  private siteNumber = '';
  private event = '';
  private eventRk = '';
  private form = '';
  private formRk = '';
  private group = '';
  private groupRk = '';
  private stage: FormStage | undefined;
  private inGroup = false;
  private values: (string | null)[] = [];
  private present: number[] = [];
  /**
   * Values the byte scanner (clinical-bytes.ts) gives as bytes, by item index: where they are
   * (`BYTES_IN_PIECE`: `bytes`, the piece being read; `BYTES_IN_SCRATCH`: `scratch`, decoded
   * there) and their range; 0: the value, if any, is in `values`. Reset after each record.
   */
  private byteKind = new Uint8Array(32);
  private byteStart = new Int32Array(32);
  private byteEnd = new Int32Array(32);
  /** The piece the byte scanner reads, and where it decodes values that hold references. */
  bytes: Buffer = EMPTY;
  scratch: Buffer = Buffer.allocUnsafe(1 << 12);
  scratchLength = 0;
  /** Depth below a removed element whose content is skipped (0: not inside one). */
  private skipDepth = 0;
  /**
   * The records of the current subject block (RWS sends a subject's data in one SubjectData), to
   * see a repeated record key without keeping every key of the study; a subject seen in an
   * earlier block marks every form repeated. Kept as 30-bit hashes of the keys (small integers:
   * no string per record): two records whose keys share a hash mark their form "repeated", which
   * only sends it through the merge's general path (combining copies of a record), never loses one.
   */
  private readonly blockKeys = new Set<number>();
  private readonly subjectsSeen = new Set<string>();
  /** The SubjectKey of every SubjectData block, in order (a caller splitting the document checks repeats across pieces). */
  readonly blocks: string[] = [];

  constructor(
    private readonly stages: Map<string, FormStage>,
    private readonly newStage: (form: string) => FormStage,
    private readonly removals: CsvSink,
    private readonly counter: { seq: number },
    readonly counts: ClinicalCounts,
  ) {}

  open(tag: XmlTag): void {
    if (this.skipDepth > 0) {
      this.skipDepth++;
      return;
    }
    switch (tag.name) {
      case 'ClinicalData': {
        const version = attr(tag, 'MetaDataVersionOID');
        if (version && !this.counts.metadataVersions.has(version)) this.counts.metadataVersions.add(detached(version));
        return;
      }
      case 'SubjectData':
        this.subjectKey = detached(attr(tag, 'SubjectKey'));
        this.subjectName = attr(tag, 'mdsol:SubjectName');
        this.blocks.push(this.subjectKey);
        this.blockKeys.clear();
        if (this.subjectsSeen.has(this.subjectKey)) for (const stage of this.stages.values()) stage.repeated = true;
        else this.subjectsSeen.add(this.subjectKey);
        this.site = '';
        this.siteNumber = '';
        this.counts.subjects.add(this.subjectKey);
        if (removed(tag)) this.remove(LEVEL.subject);
        return;
      case 'SiteRef':
        this.site = attr(tag, 'LocationOID');
        this.siteNumber = attr(tag, 'mdsol:StudyEnvSiteNumber');
        return;
      case 'StudyEventData':
        this.event = attr(tag, 'StudyEventOID');
        this.eventRk = attr(tag, 'StudyEventRepeatKey');
        if (removed(tag)) this.remove(LEVEL.event);
        return;
      case 'FormData':
        this.form = attr(tag, 'FormOID');
        this.formRk = attr(tag, 'FormRepeatKey');
        if (!this.counts.forms.has(this.form)) this.counts.forms.add(detached(this.form));
        this.stage = this.stages.get(this.form) ?? this.newStage(detached(this.form));
        if (removed(tag)) this.remove(LEVEL.form);
        return;
      case 'ItemGroupData':
        this.group = attr(tag, 'ItemGroupOID');
        this.groupRk = attr(tag, 'ItemGroupRepeatKey');
        if (removed(tag)) {
          this.remove(LEVEL.group);
          return;
        }
        this.inGroup = true;
        // Reused from record to record: what the last record set is cleared, nothing is allocated.
        for (const index of this.present) this.values[index] = null;
        this.present.length = 0;
        return;
    }
  }

  /** An ItemData (the scanner's fast path: no attributes object). */
  itemData(item: ItemDataAttributes): void {
    if (this.skipDepth > 0) {
      this.skipDepth++;
      return;
    }
    if (!this.inGroup || !this.stage) return;
    const remove = item.TransactionType === 'Remove';
    const raw = item.Value;
    if (!remove && raw === undefined) return; // audit-style ItemData without a value: no change
    const value = remove || item.IsNull === 'Yes' || raw === '' ? null : (raw as string);
    this.itemValue(this.itemIndexOf(this.stage, item.ItemOID), value, 0, 0, 0);
  }

  close(name: string): void {
    if (this.skipDepth > 0) {
      this.skipDepth--;
      return;
    }
    if (name !== 'ItemGroupData' || !this.inGroup) return;
    this.inGroup = false;
    const stage = this.stage;
    if (!stage || this.present.length === 0) return;
    let key = hashText(FNV_OFFSET, this.form);
    key = hashText(key, this.event);
    key = hashText(key, this.eventRk);
    key = hashText(key, this.formRk);
    key = hashText(key, this.group);
    key = hashText(key, this.groupRk) & 0x3fffffff;
    if (this.blockKeys.has(key)) stage.repeated = true;
    else this.blockKeys.add(key);
    // The line: sequence number, keys, subject details, which items it carries, then their values.
    const sink = stage.sink;
    const width = stage.items.length;
    this.sequence(sink, this.counter.seq++);
    this.field(sink, this.subjectKey);
    this.field(sink, this.event);
    this.field(sink, this.eventRk);
    this.field(sink, this.formRk);
    this.field(sink, this.group);
    this.field(sink, this.groupRk);
    this.field(sink, this.subjectName);
    this.field(sink, this.site);
    this.field(sink, this.siteNumber);
    if (this.marks.length < width) this.marks = new Uint8Array(width * 2);
    const marks = this.marks;
    marks.fill(48, 0, width);
    for (const index of this.present) marks[index] = 49;
    sink.quotedBytes(marks, 0, width);
    const kinds = this.byteKind;
    for (let i = 0; i < width; i++) {
      sink.byte(44);
      const kind = i < kinds.length ? (kinds[i] as number) : 0;
      if (kind === BYTES_IN_PIECE) sink.quotedBytes(this.bytes, this.byteStart[i] as number, this.byteEnd[i] as number);
      else if (kind === BYTES_IN_SCRATCH)
        sink.quotedBytes(this.scratch, this.byteStart[i] as number, this.byteEnd[i] as number);
      else {
        const value = this.values[i];
        if (value !== null && value !== undefined) sink.quoted(value);
      }
    }
    sink.endLine();
    for (const index of this.present) if (index < kinds.length) kinds[index] = 0;
    this.scratchLength = 0;
  }

  /**
   * The digits of the last sequence number written: the next record's is almost always one more,
   * so its digits are these counted up in place rather than a number turned into a string.
   */
  private readonly seqDigits = new Uint8Array(24);
  private seqLength = 0;
  private seqWritten = -1;

  private sequence(sink: CsvSink, seq: number): void {
    const digits = this.seqDigits;
    let k = -1;
    if (seq === this.seqWritten + 1) {
      k = this.seqLength - 1;
      while (k >= 0 && digits[k] === 57) digits[k--] = 48;
      if (k >= 0) digits[k] = (digits[k] as number) + 1;
    }
    if (k < 0) {
      const text = String(seq);
      for (let i = 0; i < text.length; i++) digits[i] = text.charCodeAt(i);
      this.seqLength = text.length;
    }
    this.seqWritten = seq;
    sink.raw(digits, 0, this.seqLength);
    sink.byte(44);
  }

  private field(sink: CsvSink, text: string): void {
    sink.quoted(text);
    sink.byte(44);
  }

  /** `scratch` with room for `bytes` more bytes after `scratchLength` (values decoded so far kept). */
  scratchRoom(bytes: number): Buffer {
    if (this.scratchLength + bytes > this.scratch.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.scratchLength + bytes));
      this.scratch.copy(bigger, 0, 0, this.scratchLength);
      this.scratch = bigger;
    }
    return this.scratch;
  }

  /**
   * The byte scanner is done with its piece: a record still open (its end in a later piece, which
   * well-formed RWS data never does) keeps its values as text, not as bytes of this piece.
   */
  detachBytes(): void {
    for (const index of this.present) {
      const kind = this.byteKind[index];
      if (kind === BYTES_IN_PIECE || kind === BYTES_IN_SCRATCH) {
        const from = kind === BYTES_IN_PIECE ? this.bytes : this.scratch;
        this.values[index] = from.toString('utf8', this.byteStart[index], this.byteEnd[index]);
        this.byteKind[index] = 0;
      }
    }
    this.bytes = EMPTY;
  }

  /** '0' and '1' per item of the record being written (reused). */
  private marks = new Uint8Array(32);

  /** The current record's form stage, when an ItemData now would be kept (the byte scanner's check). */
  recordStage(): FormStage | undefined {
    return this.skipDepth === 0 && this.inGroup ? this.stage : undefined;
  }

  /** Inside a removed element (the byte scanner counts an ItemData's depth as `open` does). */
  get skipping(): boolean {
    return this.skipDepth > 0;
  }

  /** An ItemData's item index in `stage`, added when new (the byte scanner's slow path). */
  itemIndexOf(stage: FormStage, oid: string): number {
    let index = stage.itemIndex.get(oid);
    if (index === undefined) {
      index = stage.items.length;
      const own = detached(oid);
      stage.items.push(own);
      stage.itemIndex.set(own, index);
      if (stage.itemBytes) stage.itemBytes[index] = Buffer.from(own, 'utf8');
    }
    return index;
  }

  /**
   * An ItemData from the byte scanner, already known to be kept (`recordStage`): item `index`
   * cleared (`value` null), or set to a text, or to bytes (`kind` BYTES_IN_PIECE or
   * BYTES_IN_SCRATCH, `start`…`end`).
   */
  itemValue(index: number, value: string | null, kind: number, start: number, end: number): void {
    if (index >= this.byteKind.length) {
      const size = Math.max(index + 1, this.byteKind.length * 2);
      const kinds = new Uint8Array(size);
      kinds.set(this.byteKind);
      this.byteKind = kinds;
      const starts = new Int32Array(size);
      starts.set(this.byteStart);
      this.byteStart = starts;
      const ends = new Int32Array(size);
      ends.set(this.byteEnd);
      this.byteEnd = ends;
    }
    this.byteKind[index] = kind;
    if (kind !== 0) {
      this.byteStart[index] = start;
      this.byteEnd[index] = end;
    }
    this.values[index] = value;
    this.present.push(index);
    this.counts.cells++;
  }

  /**
   * After a piece: writes out the sinks whose lines passed their buffer's size. Lines are bytes,
   * copied out of the piece as they are built, so nothing waiting keeps a piece alive; the
   * buffers (twenty forms' per thread) bound what waits.
   */
  async flush(): Promise<void> {
    for (const stage of this.stages.values()) await stage.sink.flush();
    await this.removals.flush();
  }

  private remove(level: number): void {
    this.removals.push([
      level,
      this.subjectKey,
      level >= LEVEL.event ? this.event : null,
      level >= LEVEL.event ? this.eventRk : null,
      level >= LEVEL.form ? this.form : null,
      level >= LEVEL.form ? this.formRk : null,
      level >= LEVEL.group ? this.group : null,
      level >= LEVEL.group ? this.groupRk : null,
      this.counter.seq++,
    ]);
    this.counts.removals++;
    // What a removed element holds is removed with it.
    this.skipDepth = 1;
  }
}
