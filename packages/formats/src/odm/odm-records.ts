/** What one pass over an ODM file produces: the records, removals and metadata of `walkOdm`. */

export type TransactionType = 'Insert' | 'Update' | 'Remove' | 'Upsert' | 'Context';

export interface ItemValue {
  oid: string;
  /** `null` for IsNull="Yes" or an empty Value; `undefined` when the element carries no value (audit or query only). */
  value: string | null | undefined;
  /** Its own TransactionType, else the nearest ancestor's. */
  tx: TransactionType | undefined;
}

/** Where a record sits: the keys every form dataset starts with. */
export interface RecordKeys {
  study: string | null;
  subject: string;
  subjectName: string | null;
  subjectKeyType: string | null;
  site: string | null;
  siteNumber: string | null;
  event: string | null;
  eventRepeat: string | null;
  form: string;
  formRepeat: string | null;
}

export interface GroupRecord extends RecordKeys {
  group: string;
  groupRepeat: string | null;
  /** The ItemGroupData's TransactionType, else the nearest ancestor's. */
  tx: TransactionType | undefined;
  items: ItemValue[];
}

/** A Remove on a SubjectData, StudyEventData or FormData: every row under it goes. */
export interface Removal {
  level: 'subject' | 'event' | 'form';
  keys: Partial<RecordKeys> & { subject: string };
}

export interface ItemDefInfo {
  oid: string;
  name: string | null;
  sasFieldName: string | null;
  dataType: string | null;
  length: number | null;
  question: string | null;
  description: string | null;
}

export interface OdmMetadata {
  itemDefs: Map<string, ItemDefInfo>;
  /** FormDef OID → its Name and ItemGroupRefs in order. */
  formDefs: Map<string, { name: string | null; groups: string[] }>;
  /** ItemGroupDef OID → its ItemRefs in order. */
  groupDefs: Map<string, string[]>;
}

export interface OdmFileInfo {
  fileType: 'Snapshot' | 'Transactional';
  odmVersion: string | null;
  creationDateTime: string | null;
  sourceSystem: string | null;
  clinicalData: number;
}

export interface OdmHandlers {
  group(record: GroupRecord): void;
  removal?(removal: Removal): void;
  /** Collect ItemDef/FormDef/ItemGroupDef definitions into this object. */
  metadata?: OdmMetadata;
}

export function emptyMetadata(): OdmMetadata {
  return { itemDefs: new Map(), formDefs: new Map(), groupDefs: new Map() };
}
