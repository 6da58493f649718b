import { createWriteStream, type WriteStream } from 'node:fs';
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
  private parts: string[] = [];
  private size = 0;
  rows = 0;
  private readonly stream: WriteStream;

  constructor(readonly file: string) {
    this.stream = createWriteStream(file);
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
    this.parts.push(line);
    this.size += line.length;
    this.rows++;
  }

  async flush(force = false): Promise<void> {
    if (this.parts.length === 0 || (!force && this.size < 1 << 20)) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(text)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }

  async close(): Promise<void> {
    await this.flush(true);
    await new Promise<void>((resolve, reject) =>
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
}

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

const SEP = '\u0001';

/**
 * A copy of `text` that holds no reference to the document text it was cut from. An attribute
 * value is a slice of its piece of the document, and V8 keeps the whole piece alive while the
 * slice lives: a SubjectKey kept in a set for the whole pull kept every piece it came from.
 */
function detached(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

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
  /** Depth below a removed element whose content is skipped (0: not inside one). */
  private skipDepth = 0;
  /**
   * The records of the current subject block (RWS sends a subject's data in one SubjectData), to
   * see a repeated record key without keeping every key of the study; a subject seen in an
   * earlier block marks every form repeated.
   */
  private readonly blockKeys = new Set<string>();
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
        this.values = [];
        this.present = [];
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
    const oid = item.ItemOID;
    let index = this.stage.itemIndex.get(oid);
    if (index === undefined) {
      index = this.stage.items.length;
      const own = detached(oid);
      this.stage.items.push(own);
      this.stage.itemIndex.set(own, index);
    }
    this.values[index] = value;
    this.present.push(index);
    this.counts.cells++;
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
    const key = `${this.form}${SEP}${this.event}${SEP}${this.eventRk}${SEP}${this.formRk}${SEP}${this.group}${SEP}${this.groupRk}`;
    if (this.blockKeys.has(key)) stage.repeated = true;
    else this.blockKeys.add(key);
    const marks = new Array<string>(stage.items.length).fill('0');
    for (const index of this.present) marks[index] = '1';
    const fields: (string | number | null)[] = [
      this.counter.seq++,
      this.subjectKey,
      this.event,
      this.eventRk,
      this.formRk,
      this.group,
      this.groupRk,
      this.subjectName,
      this.site,
      this.siteNumber,
      marks.join(''),
    ];
    for (let i = 0; i < stage.items.length; i++) fields.push(this.values[i] ?? null);
    stage.sink.push(fields);
  }

  /**
   * Writes out every line of the chunk just read. A value is a slice of the decoded chunk and keeps
   * the whole chunk alive until its line is joined and written: lines left waiting in twenty
   * forms' buffers held most of the document in memory.
   */
  async flush(): Promise<void> {
    for (const stage of this.stages.values()) await stage.sink.flush(true);
    await this.removals.flush(true);
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
