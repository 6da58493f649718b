import type { CsvSink } from './clinical-data.ts';
import type { XmlTag } from './xml-scanner.ts';
import { attr, type XmlHandlers } from './xml-stream.ts';

/** One subject of `studies/{study}/subjects?status=all&include=inactiveAndDeleted`. */
export interface RaveSubject {
  SubjectKey: string;
  SubjectName: string | null;
  SubjectKeyType: string | null;
  SiteOID: string | null;
  SiteNumber: string | null;
  Status: string | null;
  Active: boolean;
  Deleted: boolean;
}

const yes = (v: string) => /^(yes|true|1)$/i.test(v);
const orNull = (v: string) => (v === '' ? null : v);

export class SubjectsHandler implements XmlHandlers {
  readonly subjects: RaveSubject[] = [];
  private current: RaveSubject | undefined;

  open(tag: XmlTag): void {
    if (tag.name === 'SubjectData') {
      const active = attr(tag, 'mdsol:Active');
      this.current = {
        SubjectKey: attr(tag, 'SubjectKey'),
        SubjectName: orNull(attr(tag, 'mdsol:SubjectName')),
        SubjectKeyType: orNull(attr(tag, 'mdsol:SubjectKeyType')),
        SiteOID: null,
        SiteNumber: null,
        Status: orNull(attr(tag, 'mdsol:Status')),
        Active: active === '' ? attr(tag, 'TransactionType') !== 'Remove' : yes(active),
        Deleted: yes(attr(tag, 'mdsol:Deleted')),
      };
      this.subjects.push(this.current);
    } else if (tag.name === 'SiteRef' && this.current) {
      this.current.SiteOID = orNull(attr(tag, 'LocationOID'));
      this.current.SiteNumber = orNull(attr(tag, 'mdsol:StudyEnvSiteNumber'));
    }
  }

  close(name: string): void {
    if (name === 'SubjectData') this.current = undefined;
  }
}

export const AUDIT_COLUMNS = [
  'SourceID',
  'DateTimeStamp',
  'UserOID',
  'LocationOID',
  'ReasonForChange',
  'AuditSubCategoryName',
  'SubjectKey',
  'SubjectName',
  'SiteOID',
  'StudyEventOID',
  'StudyEventRepeatKey',
  'FormOID',
  'FormRepeatKey',
  'ItemGroupOID',
  'ItemGroupRepeatKey',
  'ItemOID',
  'TransactionType',
  'Value',
] as const;

const LEVELS = ['ClinicalData', 'SubjectData', 'StudyEventData', 'FormData', 'ItemGroupData', 'ItemData'];

/** Clinical Audit Records: one row per AuditRecord, with the data it belongs to. */
export class AuditHandler implements XmlHandlers {
  rows = 0;
  maxSourceId = 0;
  private context: Record<string, string> = {};
  private record: Record<string, string> | undefined;
  private textField: string | undefined;

  constructor(private readonly sink: CsvSink) {}

  open(tag: XmlTag): void {
    const level = LEVELS.indexOf(tag.name);
    if (level >= 0) {
      // Entering a level forgets everything below it.
      const keep: Record<string, string> = {};
      const order = [
        'AuditSubCategoryName',
        'SubjectKey',
        'SubjectName',
        'SiteOID',
        'StudyEventOID',
        'StudyEventRepeatKey',
        'FormOID',
        'FormRepeatKey',
        'ItemGroupOID',
        'ItemGroupRepeatKey',
        'ItemOID',
      ];
      const keepUpTo = [0, 1, 4, 6, 8, 10][level] ?? 0;
      for (const key of order.slice(0, keepUpTo)) if (this.context[key] !== undefined) keep[key] = this.context[key];
      this.context = keep;
      switch (tag.name) {
        case 'ClinicalData':
          this.context.AuditSubCategoryName = attr(tag, 'mdsol:AuditSubCategoryName');
          break;
        case 'SubjectData':
          this.context.SubjectKey = attr(tag, 'SubjectKey');
          this.context.SubjectName = attr(tag, 'mdsol:SubjectName');
          break;
        case 'StudyEventData':
          this.context.StudyEventOID = attr(tag, 'StudyEventOID');
          this.context.StudyEventRepeatKey = attr(tag, 'StudyEventRepeatKey');
          break;
        case 'FormData':
          this.context.FormOID = attr(tag, 'FormOID');
          this.context.FormRepeatKey = attr(tag, 'FormRepeatKey');
          break;
        case 'ItemGroupData':
          this.context.ItemGroupOID = attr(tag, 'ItemGroupOID');
          this.context.ItemGroupRepeatKey = attr(tag, 'ItemGroupRepeatKey');
          break;
        case 'ItemData':
          this.context.ItemOID = attr(tag, 'ItemOID');
          break;
      }
      this.context.TransactionType = attr(tag, 'TransactionType');
      this.context.Value = attr(tag, 'Value');
      return;
    }
    switch (tag.name) {
      case 'SiteRef':
        this.context.SiteOID = attr(tag, 'LocationOID');
        return;
      case 'AuditRecord':
        this.record = { ...this.context };
        return;
      case 'UserRef':
        if (this.record) this.record.UserOID = attr(tag, 'UserOID');
        return;
      case 'LocationRef':
        if (this.record) this.record.LocationOID = attr(tag, 'LocationOID');
        return;
      case 'DateTimeStamp':
      case 'ReasonForChange':
      case 'SourceID':
        if (this.record) {
          this.textField = tag.name;
          this.record[tag.name] = '';
        }
        return;
    }
  }

  text(text: string): void {
    if (this.record && this.textField) this.record[this.textField] += text;
  }

  close(name: string): void {
    if (name === this.textField) this.textField = undefined;
    if (name === 'AuditRecord' && this.record) {
      const record = this.record;
      const id = Number(record.SourceID);
      if (Number.isFinite(id) && id > this.maxSourceId) this.maxSourceId = id;
      this.sink.push(AUDIT_COLUMNS.map((c) => (record[c] ? record[c].trim() || null : null)));
      this.rows++;
      this.record = undefined;
    }
  }

  flush(): Promise<void> {
    return this.sink.flush(true);
  }
}

export interface ItemMeta {
  oid: string;
  name: string;
  dataType: string;
  question: string;
  sasName: string;
}
export interface FormMeta {
  oid: string;
  name: string;
  /** ItemOIDs in FormDef → ItemGroupRef → ItemRef order. */
  items: string[];
}
export interface StudyMetadata {
  version: string;
  forms: Record<string, FormMeta>;
  items: Record<string, ItemMeta>;
}

/** Study metadata (`metadata/studies/{project}/versions/{version}`): form and field names and types. */
export class MetadataHandler implements XmlHandlers {
  private readonly groups: Record<string, string[]> = {};
  private readonly formGroups: Record<string, string[]> = {};
  private readonly forms: Record<string, { oid: string; name: string }> = {};
  readonly items: Record<string, ItemMeta> = {};
  private form: string | undefined;
  private group: string | undefined;
  private item: ItemMeta | undefined;
  private inQuestion = false;
  private inText = false;

  open(tag: XmlTag): void {
    switch (tag.name) {
      case 'FormDef':
        this.form = attr(tag, 'OID');
        this.forms[this.form] = { oid: this.form, name: attr(tag, 'Name') };
        this.formGroups[this.form] = [];
        return;
      case 'ItemGroupRef':
        if (this.form) this.formGroups[this.form]?.push(attr(tag, 'ItemGroupOID'));
        return;
      case 'ItemGroupDef':
        this.group = attr(tag, 'OID');
        this.groups[this.group] = [];
        return;
      case 'ItemRef':
        if (this.group) this.groups[this.group]?.push(attr(tag, 'ItemOID'));
        return;
      case 'ItemDef':
        this.item = {
          oid: attr(tag, 'OID'),
          name: attr(tag, 'Name'),
          dataType: attr(tag, 'DataType'),
          sasName: attr(tag, 'SASFieldName'),
          question: '',
        };
        this.items[this.item.oid] = this.item;
        return;
      case 'Question':
        this.inQuestion = true;
        return;
      case 'TranslatedText':
        this.inText = this.inQuestion && this.item !== undefined && this.item.question === '';
        return;
    }
  }

  text(text: string): void {
    if (this.inText && this.item) this.item.question += text;
  }

  close(name: string): void {
    if (name === 'FormDef') this.form = undefined;
    else if (name === 'ItemGroupDef') this.group = undefined;
    else if (name === 'ItemDef') this.item = undefined;
    else if (name === 'Question') this.inQuestion = false;
    else if (name === 'TranslatedText') this.inText = false;
  }

  result(version: string): StudyMetadata {
    const forms: Record<string, FormMeta> = {};
    for (const [oid, form] of Object.entries(this.forms)) {
      const items = (this.formGroups[oid] ?? []).flatMap((g) => this.groups[g] ?? []);
      forms[oid] = { ...form, items };
    }
    for (const item of Object.values(this.items)) item.question = item.question.trim().replace(/\s+/g, ' ');
    return { version, forms, items: this.items };
  }
}
