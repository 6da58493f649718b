import { SaxesParser, type SaxesTagNS } from 'saxes';
import { FormatError } from '../errors.ts';
import type {
  GroupRecord,
  ItemDefInfo,
  ItemValue,
  OdmFileInfo,
  OdmHandlers,
  RecordKeys,
  TransactionType,
} from './odm-records.ts';
import { xmlText } from './xml-text.ts';

/**
 * One streaming pass over an ODM 1.x file. The SAX events are folded into what the reader needs:
 * one `GroupRecord` per ItemGroupData (with the subject, event and form around it), removals of
 * whole subjects, events and forms, and (when asked) the metadata definitions.
 */

const MDSOL = 'http://www.mdsol.com/ns/odm/metadata';
const ODM_2 = 'http://www.cdisc.org/ns/odm/v2.0';
const TRANSACTION_TYPES = new Set(['Insert', 'Update', 'Remove', 'Upsert', 'Context']);

/**
 * Parses the file, calling `handlers` as records complete. Yields after each chunk of text so a
 * caller can hand over the rows gathered so far; returns what the file says about itself.
 */
export async function* walkOdm(path: string, file: string, handlers: OdmHandlers): AsyncGenerator<void, OdmFileInfo> {
  const state = new WalkState(file, handlers);
  const parser = new SaxesParser({ xmlns: true, position: true });
  parser.on('opentag', (tag) => state.open(tag, parser.line));
  parser.on('closetag', (tag) => state.close(tag));
  parser.on('text', (text) => state.text(text));
  parser.on('cdata', (text) => state.text(text));
  for await (const text of xmlText(path, file)) {
    write(parser, text, file);
    yield;
  }
  if (!state.info) throw new FormatError('the file holds no XML document (empty or truncated upload?)', { file });
  write(parser, null, file);
  return state.info;
}

function write(parser: SaxesParser<{ xmlns: true; position: true }>, text: string | null, file: string): void {
  try {
    if (text === null) parser.close();
    else parser.write(text);
  } catch (error) {
    if (error instanceof FormatError) throw error;
    const raw = error instanceof Error ? error.message : String(error);
    const at = /^(\d+):(\d+): ([\s\S]*)$/.exec(raw);
    const message = at ? at[3] : raw;
    const where = at ? ` at line ${at[1]}, column ${at[2]}` : '';
    // Whatever the parser finds wrong at the very end, the end came too early.
    if (text === null) {
      throw new FormatError(`the file ends before the XML is complete (truncated upload?): ${message}`, { file });
    }
    throw new FormatError(`not well-formed XML${where}: ${message}`, { file });
  }
}

type Attributes = SaxesTagNS['attributes'];

function attr(attributes: Attributes, local: string, uri = ''): string | null {
  // Unprefixed attributes are in no namespace and keyed by their plain name: the common, fast case.
  if (uri === '') {
    const plain = attributes[local];
    return plain && plain.uri === '' ? plain.value : null;
  }
  for (const key in attributes) {
    const a = attributes[key];
    if (a && a.local === local && a.uri === uri) return a.value;
  }
  return null;
}

function repeatKey(value: string | null): string | null {
  return value === null || value === '' ? null : value;
}

/** The element and text state of one pass; kept apart from the SAX plumbing to read top-down. */
class WalkState {
  info: OdmFileInfo | undefined;
  private depth = 0;
  private study: string | null = null;
  private subject:
    | (Pick<RecordKeys, 'subject' | 'subjectName' | 'subjectKeyType' | 'site' | 'siteNumber'> & {
        tx?: TransactionType;
      })
    | null = null;
  private event: { oid: string | null; repeat: string | null; tx?: TransactionType } | null = null;
  private form: { oid: string; repeat: string | null; tx?: TransactionType } | null = null;
  private group: GroupRecord | null = null;
  /** A typed ItemDataString/ItemDataInteger... element whose text is its value. */
  private typedItem: ItemValue | null = null;
  private typedText = '';
  /** Metadata being read. */
  private itemDef: ItemDefInfo | null = null;
  private groupDef: { oid: string; refs: { oid: string; order: number }[] } | null = null;
  private formDef: string | null = null;
  private translatedFor: 'question' | 'description' | null = null;
  private translated: { lang: string | null; text: string } | null = null;
  private readonly englishText = new Set<'question' | 'description'>();

  constructor(
    private readonly file: string,
    private readonly handlers: OdmHandlers,
  ) {}

  open(tag: SaxesTagNS, line: number): void {
    this.depth++;
    const a = tag.attributes;
    if (this.depth === 1) {
      this.root(tag);
      return;
    }
    if (!isOdmNamespace(tag.uri)) return;
    switch (tag.local) {
      case 'ClinicalData':
        (this.info as OdmFileInfo).clinicalData++;
        this.study = attr(a, 'StudyOID');
        return;
      case 'SubjectData': {
        const subject = attr(a, 'SubjectKey') ?? '';
        this.subject = {
          subject,
          subjectName: attr(a, 'SubjectName', MDSOL),
          subjectKeyType: attr(a, 'SubjectKeyType', MDSOL),
          site: null,
          siteNumber: null,
          tx: this.transaction(a, undefined, line),
        };
        if (this.subject.tx === 'Remove')
          this.handlers.removal?.({ level: 'subject', keys: { study: this.study, subject } });
        return;
      }
      case 'SiteRef':
        if (this.subject) {
          this.subject.site = attr(a, 'LocationOID');
          this.subject.siteNumber = attr(a, 'StudyEnvSiteNumber', MDSOL);
        }
        return;
      case 'StudyEventData':
        this.event = {
          oid: attr(a, 'StudyEventOID'),
          repeat: repeatKey(attr(a, 'StudyEventRepeatKey')),
          tx: this.transaction(a, this.subject?.tx, line),
        };
        if (this.event.tx === 'Remove' && this.subject) {
          this.handlers.removal?.({
            level: 'event',
            keys: {
              study: this.study,
              subject: this.subject.subject,
              event: this.event.oid,
              eventRepeat: this.event.repeat,
            },
          });
        }
        return;
      case 'FormData': {
        const oid = attr(a, 'FormOID') ?? '';
        this.form = {
          oid,
          repeat: repeatKey(attr(a, 'FormRepeatKey')),
          tx: this.transaction(a, this.event?.tx ?? this.subject?.tx, line),
        };
        if (this.form.tx === 'Remove' && this.subject) {
          this.handlers.removal?.({
            level: 'form',
            keys: {
              study: this.study,
              subject: this.subject.subject,
              event: this.event?.oid ?? null,
              eventRepeat: this.event?.repeat ?? null,
              form: oid,
              formRepeat: this.form.repeat,
            },
          });
        }
        return;
      }
      case 'ItemGroupData':
        this.openGroup(a, line);
        return;
      case 'ItemData': {
        const value = attr(a, 'Value');
        this.group?.items.push({
          oid: attr(a, 'ItemOID') ?? '',
          value: attr(a, 'IsNull') === 'Yes' ? null : value === null ? undefined : emptyAsNull(value),
          tx: this.transaction(a, this.group.tx, line),
        });
        return;
      }
      case 'Value':
        if (this.group) throw this.odm2(line, 'ItemData holds a <Value> element');
        return;
      case 'ItemDef':
        this.openItemDef(a);
        return;
      case 'ItemGroupDef':
        if (this.handlers.metadata) this.groupDef = { oid: attr(a, 'OID') ?? '', refs: [] };
        return;
      case 'ItemRef':
        if (this.groupDef) {
          const order = Number(attr(a, 'OrderNumber'));
          this.groupDef.refs.push({
            oid: attr(a, 'ItemOID') ?? '',
            order: Number.isFinite(order) ? order : Number.MAX_SAFE_INTEGER,
          });
        }
        return;
      case 'FormDef':
        this.openFormDef(a);
        return;
      case 'ItemGroupRef':
        if (this.formDef)
          this.handlers.metadata?.formDefs.get(this.formDef)?.groups.push(attr(a, 'ItemGroupOID') ?? '');
        return;
      case 'Question':
      case 'Description':
        if (this.itemDef) this.translatedFor = tag.local === 'Question' ? 'question' : 'description';
        return;
      case 'TranslatedText':
        if (this.translatedFor)
          this.translated = { lang: attr(a, 'lang', 'http://www.w3.org/XML/1998/namespace'), text: '' };
        return;
      default:
        if (tag.local.startsWith('ItemData') && this.group) {
          // ODM 1.3 typed item data (ItemDataString, ItemDataInteger, ...): the value is the text.
          this.typedItem = {
            oid: attr(a, 'ItemOID') ?? '',
            value: attr(a, 'IsNull') === 'Yes' ? null : undefined,
            tx: this.transaction(a, this.group.tx, line),
          };
          this.typedText = '';
        }
    }
  }

  close(tag: SaxesTagNS): void {
    this.depth--;
    if (!isOdmNamespace(tag.uri)) return;
    switch (tag.local) {
      case 'ClinicalData':
        this.study = null;
        return;
      case 'SubjectData':
        this.subject = null;
        return;
      case 'StudyEventData':
        this.event = null;
        return;
      case 'FormData':
        this.form = null;
        return;
      case 'ItemGroupData':
        if (this.group) this.handlers.group(this.group);
        this.group = null;
        return;
      case 'ItemDef':
        if (this.itemDef && this.handlers.metadata && !this.handlers.metadata.itemDefs.has(this.itemDef.oid)) {
          this.handlers.metadata.itemDefs.set(this.itemDef.oid, this.itemDef);
        }
        this.itemDef = null;
        return;
      case 'ItemGroupDef':
        if (this.groupDef && this.handlers.metadata && !this.handlers.metadata.groupDefs.has(this.groupDef.oid)) {
          // A stable sort keeps document order where OrderNumber is absent or equal.
          const refs = [...this.groupDef.refs].sort((x, y) => x.order - y.order);
          this.handlers.metadata.groupDefs.set(
            this.groupDef.oid,
            refs.map((r) => r.oid),
          );
        }
        this.groupDef = null;
        return;
      case 'FormDef':
        this.formDef = null;
        return;
      case 'Question':
      case 'Description':
        this.translatedFor = null;
        return;
      case 'TranslatedText':
        this.closeTranslatedText();
        return;
      default:
        if (this.typedItem && tag.local.startsWith('ItemData')) {
          if (this.typedItem.value !== null) this.typedItem.value = emptyAsNull(this.typedText.trim());
          this.group?.items.push(this.typedItem);
          this.typedItem = null;
        }
    }
  }

  text(text: string): void {
    if (this.typedItem) this.typedText += text;
    else if (this.translated) this.translated.text += text;
  }

  private root(tag: SaxesTagNS): void {
    const a = tag.attributes;
    const rwsError = attr(a, 'ErrorDescription', MDSOL) ?? attr(a, 'ErrorClientResponseMessage');
    if (rwsError !== null) {
      const code = attr(a, 'ReasonCode');
      throw new FormatError(
        `the file is an error response from Rave Web Services, not data: "${rwsError}"${code ? ` (${code})` : ''}`,
        { file: this.file },
      );
    }
    if (tag.local !== 'ODM') {
      throw new FormatError(`not a CDISC ODM file: the root element is <${tag.name}>, not <ODM>`, { file: this.file });
    }
    const version = attr(a, 'ODMVersion');
    if (tag.uri === ODM_2 || version?.startsWith('2')) {
      throw new FormatError('ODM 2.0 is not supported; export the clinical data as ODM 1.3', { file: this.file });
    }
    const fileType = attr(a, 'FileType');
    this.info = {
      fileType: fileType === 'Transactional' ? 'Transactional' : 'Snapshot',
      odmVersion: version,
      creationDateTime: attr(a, 'CreationDateTime'),
      sourceSystem: attr(a, 'SourceSystem'),
      clinicalData: 0,
    };
  }

  private openGroup(a: Attributes, line: number): void {
    if (this.group || (!this.form && this.event)) {
      throw this.odm2(
        line,
        this.group
          ? 'ItemGroupData is nested inside ItemGroupData'
          : 'ItemGroupData sits directly inside StudyEventData (no FormData)',
      );
    }
    if (!this.form || !this.subject) {
      throw new FormatError(`line ${line}: ItemGroupData outside SubjectData/FormData`, { file: this.file });
    }
    const tx = this.transaction(a, this.form.tx, line);
    this.group = {
      study: this.study,
      subject: this.subject.subject,
      subjectName: this.subject.subjectName,
      subjectKeyType: this.subject.subjectKeyType,
      site: this.subject.site,
      siteNumber: this.subject.siteNumber,
      event: this.event?.oid ?? null,
      eventRepeat: this.event?.repeat ?? null,
      form: this.form.oid,
      formRepeat: this.form.repeat,
      group: attr(a, 'ItemGroupOID') ?? '',
      groupRepeat: repeatKey(attr(a, 'ItemGroupRepeatKey')),
      tx,
      items: [],
    };
  }

  private openItemDef(a: Attributes): void {
    if (!this.handlers.metadata) return;
    this.englishText.clear();
    const length = Number(attr(a, 'Length'));
    this.itemDef = {
      oid: attr(a, 'OID') ?? '',
      name: attr(a, 'Name')?.trim() || null,
      sasFieldName: attr(a, 'SASFieldName'),
      dataType: attr(a, 'DataType'),
      length: Number.isInteger(length) && length > 0 ? length : null,
      question: null,
      description: null,
    };
  }

  private openFormDef(a: Attributes): void {
    const metadata = this.handlers.metadata;
    const oid = attr(a, 'OID') ?? '';
    if (!metadata || metadata.formDefs.has(oid)) return;
    metadata.formDefs.set(oid, { name: attr(a, 'Name')?.trim() || null, groups: [] });
    this.formDef = oid;
  }

  /** The first TranslatedText wins, unless a later one is English and the first was not. */
  private closeTranslatedText(): void {
    const t = this.translated;
    this.translated = null;
    const which = this.translatedFor;
    if (!t || !this.itemDef || !which) return;
    const text = t.text.trim();
    if (!text) return;
    const english = t.lang?.toLowerCase().startsWith('en') ?? false;
    if (this.itemDef[which] === null || (english && !this.englishText.has(which))) {
      this.itemDef[which] = text;
      if (english) this.englishText.add(which);
    }
  }

  private transaction(
    a: Attributes,
    inherited: TransactionType | undefined,
    line: number,
  ): TransactionType | undefined {
    const own = attr(a, 'TransactionType');
    if (own === null) return inherited;
    if (!TRANSACTION_TYPES.has(own)) {
      throw new FormatError(`line ${line}: unknown TransactionType "${own}"`, { file: this.file });
    }
    return own as TransactionType;
  }

  private odm2(line: number, what: string): FormatError {
    return new FormatError(
      `line ${line}: ${what}, which is the ODM 2.0 structure although the file declares ODM ${this.info?.odmVersion ?? '1.x'}; ODM 2.0 is not supported, export the clinical data as ODM 1.3`,
      { file: this.file },
    );
  }
}

function isOdmNamespace(uri: string): boolean {
  return uri === '' || uri.startsWith('http://www.cdisc.org/ns/odm/v1');
}

function emptyAsNull(value: string): string | null {
  return value === '' ? null : value;
}
