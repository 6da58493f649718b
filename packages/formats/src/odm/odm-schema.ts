import { parseIsoDate, parseIsoDatetime, parseIsoTime } from '../iso-8601.ts';
import type { ColumnInfo, DatasetInfo, ValueType } from '../types.ts';
import {
  emptyMetadata,
  type GroupRecord,
  type OdmFileInfo,
  type OdmHandlers,
  type OdmMetadata,
  type RecordKeys,
} from './odm-records.ts';

/**
 * Pass 1 of the ODM reader: every form's items and what their values look like, so each form's
 * columns and types are known before its first row is written.
 */

/** The fields of a row that are not items. */
export type KeyField = keyof RecordKeys | 'group' | 'groupRepeat';

export interface FormPlan {
  form: string;
  info: DatasetInfo;
  /** Which record field each leading column holds. */
  keyFields: KeyField[];
  /** The item columns after them: the ItemOID and the column's type. */
  items: { oid: string; type: ValueType }[];
}

const KEY_COLUMNS: { name: string; label: string; field: KeyField; vendor?: true }[] = [
  { name: 'StudyOID', label: 'Study OID', field: 'study' },
  { name: 'SubjectKey', label: 'Subject key', field: 'subject' },
  { name: 'SubjectName', label: 'Subject name (Rave mdsol:SubjectName)', field: 'subjectName', vendor: true },
  {
    name: 'SubjectKeyType',
    label: 'Subject key type (Rave mdsol:SubjectKeyType)',
    field: 'subjectKeyType',
    vendor: true,
  },
  { name: 'SiteOID', label: 'Site (SiteRef LocationOID)', field: 'site' },
  { name: 'SiteNumber', label: 'Site number (Rave mdsol:StudyEnvSiteNumber)', field: 'siteNumber', vendor: true },
  { name: 'StudyEventOID', label: 'Study event OID', field: 'event' },
  { name: 'StudyEventRepeatKey', label: 'Study event repeat key', field: 'eventRepeat' },
  { name: 'FormRepeatKey', label: 'Form repeat key', field: 'formRepeat' },
  { name: 'ItemGroupOID', label: 'Item group OID', field: 'group' },
  { name: 'ItemGroupRepeatKey', label: 'Item group repeat key', field: 'groupRepeat' },
];

/** The columns that identify a row; diffs match rows by them. */
const ROW_KEY = [
  'StudyOID',
  'SubjectKey',
  'StudyEventOID',
  'StudyEventRepeatKey',
  'FormRepeatKey',
  'ItemGroupOID',
  'ItemGroupRepeatKey',
];

/** ODM DataType → the column type it becomes when every value in the file fits it. */
const DECLARED: Record<string, ValueType> = {
  integer: 'integer',
  float: 'number',
  double: 'number',
  date: 'date',
  datetime: 'datetime',
  time: 'time',
  boolean: 'boolean',
};

/** A value in a column's units, or `undefined` when it does not fit the type. */
export function convertValue(type: ValueType, text: string): number | undefined {
  switch (type) {
    case 'integer':
      return /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : undefined;
    case 'number':
      return /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : undefined;
    case 'date':
      return parseIsoDate(text);
    case 'datetime':
      return parseIsoDatetime(text);
    case 'time':
      return parseIsoTime(text);
    case 'boolean':
      return /^(?:true|1)$/i.test(text) ? 1 : /^(?:false|0)$/i.test(text) ? 0 : undefined;
    default:
      return undefined;
  }
}

interface ItemStats {
  /** Typed types every value so far fits. */
  fits: Set<ValueType>;
  /** The first value that did not fit, per type (for the note that explains a text column). */
  misfit: Map<ValueType, string>;
}

interface FormStats {
  items: Map<string, ItemStats>;
}

const TYPED: ValueType[] = ['integer', 'number', 'date', 'datetime', 'time', 'boolean'];

export class SchemaCollector implements OdmHandlers {
  readonly metadata: OdmMetadata = emptyMetadata();
  private readonly forms = new Map<string, FormStats>();
  private readonly vendorFields = new Set<KeyField>();

  group(record: GroupRecord): void {
    let form = this.forms.get(record.form);
    if (!form) {
      form = { items: new Map() };
      this.forms.set(record.form, form);
    }
    if (record.subjectName !== null) this.vendorFields.add('subjectName');
    if (record.subjectKeyType !== null) this.vendorFields.add('subjectKeyType');
    if (record.siteNumber !== null) this.vendorFields.add('siteNumber');
    for (const item of record.items) {
      let stats = form.items.get(item.oid);
      if (!stats) {
        stats = { fits: new Set(TYPED), misfit: new Map() };
        form.items.set(item.oid, stats);
      }
      if (typeof item.value !== 'string') continue;
      for (const type of stats.fits) {
        if (convertValue(type, item.value) === undefined) {
          stats.fits.delete(type);
          stats.misfit.set(type, item.value);
        }
      }
    }
  }

  /** One plan per form seen in the clinical data, in the order forms first appeared. */
  plans(file: OdmFileInfo): FormPlan[] {
    return [...this.forms].map(([form, stats]) => this.plan(form, stats, file));
  }

  private plan(form: string, stats: FormStats, file: OdmFileInfo): FormPlan {
    const keys = KEY_COLUMNS.filter((k) => !k.vendor || this.vendorFields.has(k.field));
    const columns: ColumnInfo[] = keys.map((k) => ({ name: k.name, label: k.label, type: 'string' }));
    const used = new Set(columns.map((c) => c.name.toLowerCase()));
    const metadata: Record<string, string> = {
      'odm.formOID': form,
      'odm.fileType': file.fileType,
      keys: ROW_KEY.join(','),
    };
    if (file.odmVersion) metadata['odm.version'] = file.odmVersion;
    if (file.creationDateTime) metadata['odm.creationDateTime'] = file.creationDateTime;
    if (file.sourceSystem) metadata['odm.sourceSystem'] = file.sourceSystem;

    const items: FormPlan['items'] = [];
    for (const oid of this.itemOrder(form, stats)) {
      const def = this.metadata.itemDefs.get(oid);
      const name = unique(columnName(oid, form, def?.sasFieldName ?? null, def?.name ?? null), oid, used);
      const declared = DECLARED[def?.dataType ?? ''] ?? 'string';
      const itemStats = stats.items.get(oid);
      let type: ValueType = declared;
      if (declared !== 'string' && itemStats && !itemStats.fits.has(declared)) {
        type = 'string';
        metadata[`odm.typeNote.${name}`] =
          `ItemDef DataType is ${def?.dataType}, but the value "${itemStats.misfit.get(declared)}" is not; the column is kept as text`;
      }
      const label =
        def?.question ??
        def?.description ??
        (def?.name && def.name !== name ? def.name : undefined) ??
        (name !== oid ? oid : undefined);
      columns.push({ name, label, type, length: type === 'string' ? (def?.length ?? undefined) : undefined });
      items.push({ oid, type });
    }
    const formDef = this.metadata.formDefs.get(form);
    return {
      form,
      info: { name: form, label: formDef?.name ?? undefined, columns, metadata },
      keyFields: keys.map((k) => k.field),
      items,
    };
  }

  /** Items the metadata gives the form, in its order, then any others the data has, as first seen. */
  private itemOrder(form: string, stats: FormStats): string[] {
    const order = new Set<string>();
    for (const group of this.metadata.formDefs.get(form)?.groups ?? []) {
      for (const oid of this.metadata.groupDefs.get(group) ?? []) order.add(oid);
    }
    for (const oid of stats.items.keys()) order.add(oid);
    return [...order];
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * SASFieldName, else an identifier-like Name, else the OID. Rave OIDs are `<FormOID>.<Field>`:
 * the prefix repeats the dataset name, so the field part is used.
 */
function columnName(oid: string, form: string, sasFieldName: string | null, name: string | null): string {
  if (sasFieldName) return sasFieldName;
  if (name && IDENTIFIER.test(name)) return name;
  const field = oid.startsWith(`${form}.`) ? oid.slice(form.length + 1) : '';
  return field || oid;
}

/** Column names are compared without case, as DuckDB and Parquet consumers do. */
function unique(preferred: string, oid: string, used: Set<string>): string {
  for (const candidate of [preferred, oid]) {
    if (!used.has(candidate.toLowerCase())) {
      used.add(candidate.toLowerCase());
      return candidate;
    }
  }
  for (let n = 2; ; n++) {
    const candidate = `${oid}_${n}`;
    if (!used.has(candidate.toLowerCase())) {
      used.add(candidate.toLowerCase());
      return candidate;
    }
  }
}
