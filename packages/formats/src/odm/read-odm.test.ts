import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import {
  days,
  fixture,
  hasSharedData,
  millis,
  type ReadDataset,
  readAll,
  rowObject,
  sharedData,
} from '../test-support.ts';
import { readOdm } from './read-odm.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'cdp-odm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}

async function read(file: string, batchSize?: number): Promise<Map<string, ReadDataset>> {
  const datasets = await readAll(readOdm(file, { batchSize }));
  return new Map(datasets.map((d) => [d.info.name, d]));
}

async function rejection(file: string): Promise<FormatError> {
  try {
    await readAll(readOdm(file));
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error(`expected ${file} to be rejected`);
}

function only(datasets: Map<string, ReadDataset>, name: string): ReadDataset {
  const dataset = datasets.get(name);
  if (!dataset) throw new Error(`no dataset ${name}; have ${[...datasets.keys()].join(', ')}`);
  return dataset;
}

const KEYS = [
  'StudyOID',
  'SubjectKey',
  'SiteOID',
  'StudyEventOID',
  'StudyEventRepeatKey',
  'FormRepeatKey',
  'ItemGroupOID',
  'ItemGroupRepeatKey',
];
const RAVE_KEYS = [
  'StudyOID',
  'SubjectKey',
  'SubjectName',
  'SubjectKeyType',
  'SiteOID',
  'StudyEventOID',
  'StudyEventRepeatKey',
  'FormRepeatKey',
  'ItemGroupOID',
  'ItemGroupRepeatKey',
];

describe('readOdm on Rave Web Services responses (fixtures from rwslib)', () => {
  it('reads Japanese text and IsNull="Yes" from a snapshot', async () => {
    const surgery = only(await read(fixture('odm', 'rwslib', 'test_double_byte_chars.xml')), 'SURGERY');
    expect(surgery.info.columns.map((c) => c.name)).toEqual([...KEYS, 'SURGERYDATE', 'DEVICETYPE', 'DEVICE']);
    expect(surgery.info.columns.every((c) => c.type === 'string')).toBe(true);
    expect(surgery.info.columns.at(-1)?.label).toBe('SURGERY.DEVICE');
    expect(surgery.rows).toHaveLength(1);
    expect(rowObject(surgery, 0)).toEqual({
      StudyOID: 'RWS_Training_Japan_20180821(Prod)',
      SubjectKey: '0001-MH-01 JAN 2000',
      SiteOID: '0001',
      StudyEventOID: 'SUBJECT',
      StudyEventRepeatKey: null,
      FormRepeatKey: '1',
      ItemGroupOID: 'SURGERY_LOG_LINE',
      ItemGroupRepeatKey: null,
      SURGERYDATE: null,
      DEVICETYPE: null,
      DEVICE: '日本語のテスト',
    });
  });

  it('reads a dataset snapshot', async () => {
    const enrol = only(await read(fixture('odm', 'rwslib', 'rws_subject_dataset_ENROL_snapshot.xml')), 'ENROL');
    expect(enrol.rows.map((_, i) => rowObject(enrol, i))).toEqual([
      {
        StudyOID: 'SIMPLESTUDY(TEST)',
        SubjectKey: '1',
        SiteOID: 'TESTSITE',
        StudyEventOID: 'SUBJECT',
        StudyEventRepeatKey: null,
        FormRepeatKey: '1',
        ItemGroupOID: 'ENROL_LOG_LINE',
        ItemGroupRepeatKey: null,
        SUBID: '1',
        BIRTHDT: '1973-06-26',
      },
    ]);
  });

  it('keeps Rave subject names; an audit record without a value sets nothing', async () => {
    const visit = only(await read(fixture('odm', 'rwslib', 'rws_audit_EnteredWithChangeCode.xml')), 'VISIT');
    expect(visit.info.columns.map((c) => c.name)).toEqual([...RAVE_KEYS, 'VISITDAT']);
    expect(rowObject(visit, 0)).toMatchObject({
      SubjectKey: '538bdc4d-78b7-4ff9-a59c-3d13c8d8380b',
      SubjectName: '01',
      SubjectKeyType: 'SubjectUUID',
      SiteOID: '1001',
      StudyEventRepeatKey: 'VISIT1[1]',
      VISITDAT: '7 Aug 2014',
    });
    // A verification and a protocol deviation carry no Value: the form is known, no row is made.
    expect(only(await read(fixture('odm', 'rwslib', 'rws_audit_Verify.xml')), 'VISIT').rows).toEqual([]);
    expect(only(await read(fixture('odm', 'rwslib', 'rws_audit_CreatePD.xml')), 'VS').rows).toEqual([]);
  });

  it('yields nothing for a subject list (ClinicalData without forms)', async () => {
    expect(await read(fixture('odm', 'rwslib', 'rws_subjects_with_site_numbers.xml'))).toEqual(new Map());
  });

  it("rejects an error response, quoting the server's message", async () => {
    const error = await rejection(fixture('odm', 'rwslib', 'rws_error_response.xml'));
    expect(error.message).toBe(
      'rws_error_response.xml: the file is an error response from Rave Web Services, not data: "Incorrect login and password combination. [RWS00008]"',
    );
  });
});

describe('readOdm on CDISC examples (fixtures from DataExchange-ODM)', () => {
  it('applies the ODM 1.1 transactional example with its metadata', async () => {
    const datasets = await read(fixture('odm', 'cdisc', 'odm1_1_0_example.xml'));
    expect([...datasets.keys()]).toEqual(['PAGE_1', 'PAGE_2', 'Page 1']);
    const page1 = only(datasets, 'PAGE_1');
    expect(page1.info.label).toBe('Demog and Vitals');
    expect(page1.info.metadata).toMatchObject({
      'odm.fileType': 'Transactional',
      keys: KEYS.filter((k) => k !== 'SiteOID').join(','),
    });
    // Metadata order: DEMOG's items, then VITALS' new ones; SASFieldName names them.
    expect(page1.info.columns.slice(KEYS.length).map((c) => [c.name, c.type, c.label])).toEqual([
      ['PT', 'string', undefined],
      ['INITIALS', 'string', 'Initials'],
      ['SEX', 'string', 'Sex'],
      ['DOB', 'date', 'Date of Birth'],
      ['SPONPTID', 'string', 'Sponsor Patient ID'],
      ['WEIGHTLB', 'number', 'Weight in pounds'],
      ['WEIGHTKG', 'number', 'Weight in kilograms'],
      ['VISNAME', 'string', 'Visit'],
      ['SBP', 'integer', 'Systolic Blood Pressure'],
      ['DBP', 'integer', 'Diastolic Blood Pressure'],
      ['OCCURNUM', 'integer', 'Occurence Number'],
    ]);
    expect(page1.info.columns.find((c) => c.name === 'SPONPTID')?.length).toBe(12);
    expect(page1.rows).toHaveLength(4);
    expect(rowObject(page1, 0)).toMatchObject({
      SubjectKey: 'P001',
      StudyEventOID: 'VISIT_1',
      ItemGroupOID: 'DEMOG',
      ItemGroupRepeatKey: '1',
      DOB: days('1947-07-16'),
      WEIGHTKG: 68.18,
      SBP: null,
    });
    // ItemGroupRepeatKey="" is no repeat key.
    expect(rowObject(page1, 1)).toMatchObject({ ItemGroupOID: 'VITALS', ItemGroupRepeatKey: null, SBP: 120, DBP: 80 });
    expect(only(datasets, 'PAGE_2').rows).toHaveLength(6);
    // The update names a form ("Page 1") the metadata does not define: it becomes a dataset of its own.
    expect(only(datasets, 'Page 1').rows.map((_, i) => rowObject(only(datasets, 'Page 1'), i))).toEqual([
      {
        StudyOID: '123-456-789',
        SubjectKey: 'P001',
        SiteOID: null,
        StudyEventOID: 'VISIT_1',
        StudyEventRepeatKey: null,
        FormRepeatKey: null,
        ItemGroupOID: 'VITALS',
        ItemGroupRepeatKey: '1',
        SBP: 130,
      },
    ]);
  });

  it('rejects ODM 2.0, and a file declaring 1.3.2 that has the 2.0 structure', async () => {
    expect((await rejection(fixture('odm', 'cdisc', 'Demographics_RACE_check_all_that_apply.xml'))).reason).toBe(
      'ODM 2.0 is not supported; export the clinical data as ODM 1.3',
    );
    expect(
      (await rejection(fixture('odm', 'cdisc', 'Hypercholesterolemia_CV_Risk_factors_FH_CRF_1_3_2.xml'))).reason,
    ).toBe(
      'line 131: ItemGroupData sits directly inside StudyEventData (no FormData), which is the ODM 2.0 structure although the file declares ODM 1.3.2; ODM 2.0 is not supported, export the clinical data as ODM 1.3',
    );
  });
});

const ODM_OPEN = (fileType: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:mdsol="http://www.mdsol.com/ns/odm/metadata" FileType="${fileType}" ODMVersion="1.3.2" FileOID="t" CreationDateTime="2024-01-01T00:00:00">`;

const METADATA = `
<Study OID="S1"><MetaDataVersion OID="MDV1" Name="v1">
  <FormDef OID="F.VS" Name="Vital signs" Repeating="No"><ItemGroupRef ItemGroupOID="IG.VS" Mandatory="No"/><ItemGroupRef ItemGroupOID="IG.COMMENT" Mandatory="No"/></FormDef>
  <ItemGroupDef OID="IG.VS" Name="VS" Repeating="Yes">
    <ItemRef ItemOID="I.TIME" OrderNumber="6" Mandatory="No"/>
    <ItemRef ItemOID="I.SBP" OrderNumber="1" Mandatory="No"/>
    <ItemRef ItemOID="I.TEMP" OrderNumber="2" Mandatory="No"/>
    <ItemRef ItemOID="I.DATE" OrderNumber="3" Mandatory="No"/>
    <ItemRef ItemOID="I.WHEN" OrderNumber="4" Mandatory="No"/>
    <ItemRef ItemOID="I.DONE" OrderNumber="5" Mandatory="No"/>
    <ItemRef ItemOID="I.PARTIAL" OrderNumber="7" Mandatory="No"/>
    <ItemRef ItemOID="I.NEVER" OrderNumber="8" Mandatory="No"/>
  </ItemGroupDef>
  <ItemGroupDef OID="IG.COMMENT" Name="Comment" Repeating="No"><ItemRef ItemOID="I.COMMENT" Mandatory="No"/></ItemGroupDef>
  <ItemDef OID="I.SBP" Name="SBP" DataType="integer" Length="3"><Question><TranslatedText xml:lang="de">Systolischer Blutdruck</TranslatedText><TranslatedText xml:lang="en">Systolic blood pressure</TranslatedText></Question></ItemDef>
  <ItemDef OID="I.TEMP" Name="Temperature (C)" DataType="float"><Description><TranslatedText>Body temperature</TranslatedText></Description></ItemDef>
  <ItemDef OID="I.DATE" Name="VSDAT" SASFieldName="VSDT" DataType="date"/>
  <ItemDef OID="I.WHEN" Name="VSDTM" DataType="datetime"/>
  <ItemDef OID="I.DONE" Name="VSPERF" DataType="boolean"/>
  <ItemDef OID="I.TIME" Name="VSTM" DataType="time"/>
  <ItemDef OID="I.PARTIAL" Name="BRTHDAT" DataType="date"/>
  <ItemDef OID="I.NEVER" Name="NEVER" DataType="text" Length="20"/>
  <ItemDef OID="I.COMMENT" Name="SubjectKey" DataType="text"/>
</MetaDataVersion></Study>`;

describe('readOdm on crafted files', () => {
  it('types items by ItemDef DataType, keeping a column as text when one value does not fit', async () => {
    const file = write(
      'snapshot.xml',
      `${ODM_OPEN('Snapshot')}${METADATA}
<ClinicalData StudyOID="S1" MetaDataVersionOID="MDV1">
  <SubjectData SubjectKey="001" mdsol:SubjectName="SUBJ-001"><SiteRef LocationOID="SITE1" mdsol:StudyEnvSiteNumber="101"/>
    <StudyEventData StudyEventOID="SCREEN">
      <FormData FormOID="F.VS">
        <ItemGroupData ItemGroupOID="IG.VS" ItemGroupRepeatKey="1">
          <ItemData ItemOID="I.SBP" Value="120"/><ItemData ItemOID="I.TEMP" Value="36.6"/><ItemData ItemOID="I.DATE" Value="2019-03-14"/>
          <ItemData ItemOID="I.WHEN" Value="2019-03-14T08:30:00"/><ItemData ItemOID="I.DONE" Value="true"/><ItemData ItemOID="I.TIME" Value="08:30"/>
          <ItemData ItemOID="I.PARTIAL" Value="1970-01-01"/><ItemData ItemOID="I.EXTRA" Value="not in metadata"/>
        </ItemGroupData>
        <ItemGroupData ItemGroupOID="IG.VS" ItemGroupRepeatKey="2">
          <ItemDataInteger ItemOID="I.SBP">118</ItemDataInteger><ItemData ItemOID="I.TEMP" IsNull="Yes"/><ItemData ItemOID="I.DATE" Value=""/>
          <ItemData ItemOID="I.DONE" Value="0"/><ItemData ItemOID="I.PARTIAL" Value="2019-03"/>
        </ItemGroupData>
        <ItemGroupData ItemGroupOID="IG.COMMENT"><ItemDataString ItemOID="I.COMMENT">  looks &amp; feels fine  </ItemDataString></ItemGroupData>
      </FormData>
    </StudyEventData>
  </SubjectData>
</ClinicalData></ODM>`,
    );
    const vs = only(await read(file, 2), 'F.VS');
    expect(vs.info.label).toBe('Vital signs');
    expect(vs.batches).toBe(2);
    const items = vs.info.columns.slice(RAVE_KEYS.length + 1);
    expect(vs.info.columns.map((c) => c.name).slice(0, RAVE_KEYS.length + 1)).toEqual([
      'StudyOID',
      'SubjectKey',
      'SubjectName',
      'SiteOID',
      'SiteNumber',
      'StudyEventOID',
      'StudyEventRepeatKey',
      'FormRepeatKey',
      'ItemGroupOID',
      'ItemGroupRepeatKey',
      'SBP',
    ]);
    expect(vs.info.columns[RAVE_KEYS.length]).toMatchObject({ type: 'integer', label: 'Systolic blood pressure' });
    expect(items.map((c) => [c.name, c.type, c.label])).toEqual([
      ['I.TEMP', 'number', 'Body temperature'],
      ['VSDT', 'date', 'VSDAT'],
      ['VSDTM', 'datetime', 'I.WHEN'],
      ['VSPERF', 'boolean', 'I.DONE'],
      ['VSTM', 'time', 'I.TIME'],
      ['BRTHDAT', 'string', 'I.PARTIAL'],
      ['NEVER', 'string', 'I.NEVER'],
      ['I.COMMENT', 'string', 'SubjectKey'],
      ['I.EXTRA', 'string', undefined],
    ]);
    expect(vs.info.metadata?.['odm.typeNote.BRTHDAT']).toBe(
      'ItemDef DataType is date, but the value "2019-03" is not; the column is kept as text',
    );
    expect(vs.rows).toHaveLength(3);
    expect(rowObject(vs, 0)).toMatchObject({
      SubjectName: 'SUBJ-001',
      SiteOID: 'SITE1',
      SiteNumber: '101',
      SBP: 120,
      'I.TEMP': 36.6,
      VSDT: days('2019-03-14'),
      VSDTM: millis('2019-03-14T08:30:00'),
      VSPERF: 1,
      VSTM: 30_600,
      BRTHDAT: '1970-01-01',
      NEVER: null,
      'I.EXTRA': 'not in metadata',
    });
    expect(rowObject(vs, 1)).toMatchObject({ SBP: 118, 'I.TEMP': null, VSDT: null, VSPERF: 0, BRTHDAT: '2019-03' });
    expect(rowObject(vs, 2)).toMatchObject({
      ItemGroupOID: 'IG.COMMENT',
      SBP: null,
      'I.COMMENT': 'looks & feels fine',
    });
  });

  it('applies Insert, Update, Upsert, Context and Remove in file order', async () => {
    const subject = (key: string, tx: string, body: string) =>
      `<ClinicalData StudyOID="S1" MetaDataVersionOID="MDV1"><SubjectData SubjectKey="${key}"${tx ? ` TransactionType="${tx}"` : ''}><SiteRef LocationOID="SITE1"/>${body}</SubjectData></ClinicalData>`;
    const ae = (repeat: string, items: string, tx = '') =>
      `<StudyEventData StudyEventOID="SE"><FormData FormOID="AE"><ItemGroupData ItemGroupOID="AE" ItemGroupRepeatKey="${repeat}"${tx ? ` TransactionType="${tx}"` : ''}>${items}</ItemGroupData></FormData></StudyEventData>`;
    const file = write(
      'transactional.xml',
      `${ODM_OPEN('Transactional')}
${subject('001', 'Insert', ae('1', '<ItemData ItemOID="AE.TERM" Value="Headache"/><ItemData ItemOID="AE.SEV" Value="MILD"/>'))}
${subject('001', '', ae('2', '<ItemData ItemOID="AE.TERM" TransactionType="Insert" Value="Nausea"/>'))}
${subject('001', 'Update', ae('1', '<ItemData ItemOID="AE.SEV" Value="SEVERE"/>'))}
${subject('001', '', ae('1', '<ItemData ItemOID="AE.TERM" TransactionType="Context" Value="ignored"/>'))}
${subject('001', '', ae('1', '<ItemData ItemOID="AE.SEV" TransactionType="Remove"/>'))}
${subject('001', '', ae('2', '', 'Remove'))}
${subject('001', '', ae('2', '<ItemData ItemOID="AE.TERM" TransactionType="Remove"/>'))}
${subject('002', 'Insert', ae('1', '<ItemData ItemOID="AE.TERM" Value="Rash"/>'))}
${subject('002', 'Remove', '')}
${subject('003', '', ae('1', '<ItemData ItemOID="AE.TERM" TransactionType="Upsert" Value="Fever"/>'))}
${subject('003', '', '<StudyEventData StudyEventOID="SE"><FormData FormOID="AE" TransactionType="Remove"/></StudyEventData>')}
${subject('003', '', ae('1', '<ItemData ItemOID="AE.TERM" TransactionType="Insert" Value="Fever again"/>'))}
${subject('004', '', ae('1', '<ItemData ItemOID="AE.TERM" Value="Cough"/>'))}
${subject('004', '', '<StudyEventData StudyEventOID="SE" TransactionType="Remove"/>')}
</ODM>`,
    );
    const aeRows = only(await read(file), 'AE');
    expect(aeRows.info.columns.map((c) => c.name).slice(KEYS.length)).toEqual(['TERM', 'SEV']);
    expect(
      aeRows.rows.map((_, i) => rowObject(aeRows, i)).map((r) => [r.SubjectKey, r.ItemGroupRepeatKey, r.TERM, r.SEV]),
    ).toEqual([
      ['001', '1', 'Headache', null],
      ['003', '1', 'Fever again', null],
    ]);
  });

  it('removes its temporary row files, also when the reader is abandoned', async () => {
    const spills = () => readdirSync(tmpdir()).filter((name) => name.startsWith('cdp-odm-rows-')).length;
    const before = spills();
    await read(fixture('odm', 'rwslib', 'test_double_byte_chars.xml'));
    expect(spills()).toBe(before);
    for await (const dataset of readOdm(fixture('odm', 'rwslib', 'test_double_byte_chars.xml'))) {
      for await (const _batch of dataset.batches()) break;
      break;
    }
    expect(spills()).toBe(before);
  });

  it('decodes the encoding the XML declaration names', async () => {
    const xml = `<?xml version="1.0" encoding="ISO-8859-1"?><ODM FileType="Snapshot"><ClinicalData StudyOID="S"><SubjectData SubjectKey="1"><StudyEventData StudyEventOID="E"><FormData FormOID="F"><ItemGroupData ItemGroupOID="G"><ItemData ItemOID="F.NAME" Value="Zürich, Genève"/></ItemGroupData></FormData></StudyEventData></SubjectData></ClinicalData></ODM>`;
    const f = only(await read(write('latin1.xml', Buffer.from(xml, 'latin1'))), 'F');
    expect(rowObject(f, 0).NAME).toBe('Zürich, Genève');
  });

  it.each([
    [
      'metadata only',
      `${ODM_OPEN('Snapshot')}${METADATA}</ODM>`,
      'the file holds no ClinicalData: it is study metadata (a study design), not data',
    ],
    ['not ODM', '<?xml version="1.0"?><project/>', 'not a CDISC ODM file: the root element is <project>, not <ODM>'],
    [
      'a Rave error outside ODM',
      '<Response ReferenceNumber="1" IsTransactionSuccessful="0" ReasonCode="RWS00092" ErrorClientResponseMessage="CRF version not found"/>',
      'the file is an error response from Rave Web Services, not data: "CRF version not found" (RWS00092)',
    ],
    [
      'truncated',
      `${ODM_OPEN('Snapshot')}<ClinicalData StudyOID="S"><SubjectData SubjectKey="1">`,
      /^the file ends before the XML is complete \(truncated upload\?\)/,
    ],
    [
      'malformed',
      `${ODM_OPEN('Snapshot')}<ClinicalData StudyOID="S"></SubjectData></ODM>`,
      /^not well-formed XML at line 2, column \d+: /,
    ],
    ['empty', '', 'the file holds no XML document (empty or truncated upload?)'],
    ['only a declaration', '<?xml version="1.0"?>', 'the file holds no XML document (empty or truncated upload?)'],
    [
      'an unknown TransactionType',
      `${ODM_OPEN('Transactional')}<ClinicalData StudyOID="S"><SubjectData SubjectKey="1" TransactionType="Delete"/></ClinicalData></ODM>`,
      'line 2: unknown TransactionType "Delete"',
    ],
    [
      'an unknown encoding',
      '<?xml version="1.0" encoding="EBCDIC-XYZ"?><ODM/>',
      'the XML declaration names an encoding this reader does not know: EBCDIC-XYZ',
    ],
  ])('rejects %s', async (_what, content, reason) => {
    const error = await rejection(write('bad.xml', content));
    if (typeof reason === 'string') expect(error.reason).toBe(reason);
    else expect(error.reason).toMatch(reason);
    expect(error.location.file).toBe('bad.xml');
  });

  it('rejects bytes that are not UTF-8', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${ODM_OPEN('Snapshot')}<!-- `),
      Buffer.from([0xe9, 0x20]),
      Buffer.from('--></ODM>'),
    ]);
    expect((await rejection(write('bad-utf8.xml', bytes))).reason).toBe(
      'the file is not valid UTF-8 text, as its XML declaration says',
    );
  });
});

describe.runIf(hasSharedData('ODM tests on real files'))('readOdm on ../shared/data/odm', () => {
  it('applies the 1.2 MB Rave Clinical Audit Records file (transactional)', async () => {
    const datasets = await read(sharedData('odm', 'rwslib', 'car_message.xml'));
    // Counts cross-checked with an independent ElementTree script applying the same rules:
    // removed subjects fa63ccbe... and 3428e368... take their DM and EN rows with them.
    expect(Object.fromEntries([...datasets].map(([name, d]) => [name, d.rows.length]))).toEqual({
      DM: 53,
      RAND: 5,
      EN: 64,
      VISIT: 17,
      VS: 9,
      AE: 13,
      FORM_PAIN_SI: 6,
      CM: 2,
      MH: 1,
      INEX: 2,
    });
    const dm = only(datasets, 'DM');
    expect(dm.info.columns.map((c) => c.name)).toEqual([
      ...RAVE_KEYS,
      'BRTHDTC',
      'SEX',
      'RACE',
      'COUNTRY',
      'CHILDBEAR',
      'AGE',
      'DSSTDT',
    ]);
    expect(rowObject(dm, 0)).toMatchObject({
      SubjectKey: 'e983f330-c108-45ab-8f16-b4a566c7089c',
      SubjectName: '123 ABC',
      SiteOID: 'MDSOL',
      StudyEventRepeatKey: 'SCREEN[1]',
      BRTHDTC: '02 JAN 1980',
      SEX: 'MALE',
      RACE: '3',
      COUNTRY: 'GBR',
    });
    expect(dm.rows.some((r) => r[1] === 'fa63ccbe-29e7-49d2-9d7c-d5355fe19b7f')).toBe(false);
    // AE_LOG_LINE 1 of subject 123 BCA was removed ("Inactivated"); line 2 keeps its last values.
    const ae = only(datasets, 'AE');
    const bca = ae.rows.map((_, i) => rowObject(ae, i)).filter((r) => r.SubjectName === '123 BCA');
    expect(bca.map((r) => [r.ItemGroupOID, r.ItemGroupRepeatKey, r.AETERM, r.AESEV, r.AEOUT])).toEqual([
      ['AE', null, null, null, null],
      ['AE_LOG_LINE', '2', 'Diabetic', 'Mild', 'Fatal'],
    ]);
    // EnteredEmpty (Value="") is null; a later Upsert with a value is kept.
    const en = only(datasets, 'EN');
    const enRows = en.rows.map((_, i) => rowObject(en, i));
    expect(enRows.find((r) => r.SubjectName === '1000015')).toMatchObject({
      SUBJID: '1000015',
      SUBJINIT: 'ABC',
      USUBJID: null,
    });
    expect(enRows.find((r) => r.SubjectName === 'AT 123')).toMatchObject({
      SUBJID: 'at',
      SUBJINIT: '123',
      USUBJID: 'AT 123',
    });
  });

  it('reads or clearly rejects every ODM file', async () => {
    const files = walk(sharedData('odm')).filter((f) => f.endsWith('.xml'));
    expect(files).toHaveLength(13);
    const outcome: Record<string, string> = {};
    for (const file of files) {
      try {
        const datasets = await readAll(readOdm(file));
        outcome[path.basename(file)] = datasets.map((d) => `${d.info.name}:${d.rows.length}`).join(' ');
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
        outcome[path.basename(file)] = `rejected: ${error.reason.slice(0, 40)}`;
      }
    }
    expect(outcome).toEqual({
      'CDASH_1-1_MH_Example.xml': 'rejected: ODM 2.0 is not supported; export the cli',
      'Demographics_RACE_check_all_that_apply.xml': 'rejected: ODM 2.0 is not supported; export the cli',
      'Hypercholesterolemia_CV_Risk_factors_FH_CRF_1_3_2.xml': 'rejected: line 131: ItemGroupData sits directly in',
      'Hypercholesterolemia_CV_Risk_factors_FH_CRF_alternative_ValueLists.xml':
        'rejected: ODM 2.0 is not supported; export the cli',
      'car_message.xml': 'DM:53 RAND:5 EN:64 VISIT:17 VS:9 AE:13 FORM_PAIN_SI:6 CM:2 MH:1 INEX:2',
      'odm1_1_0_example.xml': 'PAGE_1:4 PAGE_2:6 Page 1:1',
      'rws_audit_CreatePD.xml': 'VS:0',
      'rws_audit_EnteredWithChangeCode.xml': 'VISIT:1',
      'rws_audit_Verify.xml': 'VISIT:0',
      'rws_error_response.xml': 'rejected: the file is an error response from Rave ',
      'rws_subject_dataset_ENROL_snapshot.xml': 'ENROL:1',
      'rws_subjects_with_site_numbers.xml': '',
      'test_double_byte_chars.xml': 'SURGERY:1',
    });
  });

  it('matches the copied fixtures byte for byte', () => {
    for (const name of ['test_double_byte_chars.xml', 'LICENSE.txt']) {
      expect(readFileSync(fixture('odm', 'rwslib', name))).toEqual(readFileSync(sharedData('odm', 'rwslib', name)));
    }
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}
