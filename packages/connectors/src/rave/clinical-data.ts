import { createWriteStream, type WriteStream } from 'node:fs';
import type { XmlTag } from './xml-scanner.ts';
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

export const RECORD_COLUMNS = [
  'rec',
  'subject_key',
  'subject_name',
  'site',
  'site_number',
  'event_oid',
  'event_rk',
  'form_oid',
  'form_rk',
  'ig_oid',
  'ig_rk',
] as const;
export const CELL_COLUMNS = ['rec', 'item_oid', 'value', 'seq'] as const;
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

export interface ClinicalCounts {
  cells: number;
  removals: number;
  subjects: Set<string>;
  forms: Set<string>;
  metadataVersions: Set<string>;
}

/** Rave marks an inactivated or removed element with TransactionType="Remove" or mdsol:Active="No". */
function removed(tag: XmlTag): boolean {
  return attr(tag, 'TransactionType') === 'Remove' || attr(tag, 'mdsol:Active') === 'No';
}

export class ClinicalDataHandler implements XmlHandlers {
  private subjectKey = '';
  private subjectName = '';
  private site = '';
  private siteNumber = '';
  private event = '';
  private eventRk = '';
  private form = '';
  private formRk = '';
  private rec = -1;
  private group = '';
  private groupRk = '';
  private recordWritten = false;
  /** Depth below a removed element whose content is skipped (0: not inside one). */
  private skipDepth = 0;

  constructor(
    private readonly records: CsvSink,
    private readonly cells: CsvSink,
    private readonly removals: CsvSink,
    private readonly counter: { seq: number; rec: number },
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
        if (version) this.counts.metadataVersions.add(version);
        return;
      }
      case 'SubjectData':
        this.subjectKey = attr(tag, 'SubjectKey');
        this.subjectName = attr(tag, 'mdsol:SubjectName');
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
        this.counts.forms.add(this.form);
        if (removed(tag)) this.remove(LEVEL.form);
        return;
      case 'ItemGroupData':
        this.group = attr(tag, 'ItemGroupOID');
        this.groupRk = attr(tag, 'ItemGroupRepeatKey');
        this.recordWritten = false;
        if (removed(tag)) this.remove(LEVEL.group);
        return;
      case 'ItemData': {
        const remove = attr(tag, 'TransactionType') === 'Remove';
        const raw = tag.attributes.Value;
        if (!remove && typeof raw !== 'string') return; // audit-style ItemData without a value: no change
        const value = remove || attr(tag, 'IsNull') === 'Yes' || raw === '' ? null : (raw as string);
        if (!this.recordWritten) {
          this.rec = this.counter.rec++;
          this.records.push([
            this.rec,
            this.subjectKey,
            this.subjectName,
            this.site,
            this.siteNumber,
            this.event,
            this.eventRk,
            this.form,
            this.formRk,
            this.group,
            this.groupRk,
          ]);
          this.recordWritten = true;
        }
        this.cells.push([this.rec, attr(tag, 'ItemOID'), value, this.counter.seq++]);
        this.counts.cells++;
        return;
      }
    }
  }

  close(): void {
    if (this.skipDepth > 0) this.skipDepth--;
  }

  async flush(): Promise<void> {
    await this.records.flush();
    await this.cells.flush();
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
