import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
import { valueAt } from '../text-cells.ts';
import { buildZip } from '../zip/zip-writer.ts';
import { columnLetter, readXlsx } from './read-xlsx.ts';
import { buildWorkbook, cell, row, type TestSheet, type TestWorkbookOptions } from './test-workbook.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'cdp-xlsx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
function workbook(sheets: TestSheet[], options?: TestWorkbookOptions): string {
  const file = path.join(tmp, `book-${++counter}.xlsx`);
  writeFileSync(file, buildWorkbook(sheets, options));
  return file;
}

async function read(file: string, batchSize?: number): Promise<Map<string, ReadDataset>> {
  const datasets = await readAll(readXlsx(file, { batchSize }));
  return new Map(datasets.map((d) => [d.info.name, d]));
}

function sheet(datasets: Map<string, ReadDataset>, name: string): ReadDataset {
  const dataset = datasets.get(name);
  if (!dataset) throw new Error(`no sheet ${name}; have ${[...datasets.keys()].join(', ')}`);
  return dataset;
}

async function rejection(file: string): Promise<FormatError> {
  try {
    await readAll(readXlsx(file));
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('expected the workbook to be refused');
}

const SHARED = [
  'USUBJID',
  '<r><t>Visit </t></r><r><rPr><b/></rPr><t>Date</t></r>',
  'AGE',
  '<t>  Spaced  </t>',
  '<t>S-002</t>',
  '<r><t>rich </t></r><r><rPr><i/></rPr><t>value</t></r>',
];
const S = (index: number) => index;

/** A sheet with the quirks of real workbooks; the expectations below say what each becomes. */
const DATA: TestSheet = {
  name: 'Data',
  dimension: 'A1',
  rows: [
    '<row r="1" hidden="1"/>',
    row(
      2,
      cell.shared('A2', S(0)),
      cell.inline('B2', 'AGE'),
      cell.shared('D2', S(1)),
      cell.inline('E2', 'Time'),
      cell.shared('F2', S(2)),
      cell.inline('G2', 'Flag'),
      cell.inline('H2', 'Mixed'),
      cell.inline('I2', 'Formula'),
      cell.inline('J2', 'Err'),
      cell.inline('K2', 'FDate'),
      cell.shared('L2', S(3)),
      cell.number('M2', 2024),
    ),
    row(
      3,
      cell.inline('A3', 'S-001'),
      cell.number('B3', 63),
      cell.number('C3', '0.30000000000000004'),
      cell.number('D3', 45292, 1),
      cell.number('E3', 0.5, 3),
      cell.number('F3', 1.5),
      cell.boolean('G3', true),
      cell.number('H3', 12.5),
      cell.formula('I3', 'SUM(B3:B3)/9', '7'),
      cell.error('J3', '#N/A'),
      cell.formula('K3', 'D3+1', '45293', undefined, 1),
      cell.shared('L3', S(5)),
      cell.number('M3', 1),
    ),
    row(4, cell.inline('A4', ' '), cell.inline('C4', '')),
    row(
      5,
      cell.shared('A5', S(4)),
      cell.number('B5', 64),
      cell.inline('C5', 'text'),
      cell.number('D5', 45292.75, 2),
      cell.number('E5', 0.25, 3),
      cell.boolean('G5', false),
      cell.inline('H5', 'abc'),
      cell.formula('I5', 'TEXT(1,"0")', 'seven', 'str'),
      cell.formula('J5', '1/0', '#DIV/0!', 'e'),
      cell.inline('N5', 'beyond the header'),
    ),
    row(7, cell.inline('A7', 'S-003'), cell.number('C7', '1234567.8900000001'), cell.formula('I7', 'A1')),
  ].join(''),
  after:
    '<mergeCells count="1"><mergeCell ref="A7:B7"/></mergeCells><hyperlinks><hyperlink ref="A3" r:id="rId1"/></hyperlinks>',
};

describe('readXlsx on crafted workbooks', () => {
  it('names columns from the first non-empty row and infers their types from every cell', async () => {
    const datasets = await read(
      workbook(
        [
          DATA,
          { name: 'Empty', rows: '<row r="1"/><row r="2"><c r="A2"/></row>' },
          { name: 'Lists', hidden: true, rows: row(3, cell.inline('B3', 'Code'), cell.inline('C3', 'Decode')) },
        ],
        { sharedStrings: SHARED },
      ),
    );
    expect([...datasets.keys()]).toEqual(['Data', 'Lists']);
    const data = sheet(datasets, 'Data');
    expect(data.info.columns.map((c) => [c.name, c.type])).toEqual([
      ['USUBJID', 'string'],
      ['AGE', 'number'],
      ['C', 'string'],
      ['Visit Date', 'datetime'],
      ['Time', 'time'],
      ['AGE_2', 'number'],
      ['Flag', 'boolean'],
      ['Mixed', 'string'],
      ['Formula', 'string'],
      ['Err', 'string'],
      ['FDate', 'date'],
      ['Spaced', 'string'],
      ['2024', 'number'],
      ['N', 'string'],
    ]);
    expect(data.info.metadata).toEqual({ 'xlsx.headerRow': '2' });
    // The dimension says A1; the rows are counted, the blank row 4 is skipped.
    expect(data.rows).toHaveLength(3);
    expect(rowObject(data, 0)).toEqual({
      USUBJID: 'S-001',
      AGE: 63,
      C: '0.3',
      'Visit Date': millis('2024-01-01T00:00:00'),
      Time: 12 * 3600,
      AGE_2: 1.5,
      Flag: 1,
      Mixed: '12.5',
      Formula: '7',
      Err: null,
      FDate: days('2024-01-02'),
      Spaced: 'rich value',
      '2024': 1,
      N: null,
    });
    expect(rowObject(data, 1)).toEqual({
      USUBJID: 'S-002',
      AGE: 64,
      C: 'text',
      'Visit Date': millis('2024-01-01T18:00:00'),
      Time: 6 * 3600,
      AGE_2: null,
      Flag: 0,
      Mixed: 'abc',
      Formula: 'seven',
      Err: null,
      FDate: null,
      Spaced: null,
      '2024': null,
      N: 'beyond the header',
    });
    // A merged cell's value sits in its top-left cell only; a formula never calculated is empty.
    expect(rowObject(data, 2)).toMatchObject({ USUBJID: 'S-003', AGE: null, C: '1234567.89', Formula: null });
    const lists = sheet(datasets, 'Lists');
    expect(lists.info.columns.map((c) => c.name)).toEqual(['A', 'Code', 'Decode']);
    expect(lists.rows).toEqual([]);
    expect(lists.info.metadata).toEqual({ 'xlsx.headerRow': '3', 'xlsx.hidden': 'true' });
  });

  it('renders dates, times and booleans as text in a mixed column', async () => {
    const file = workbook([
      {
        name: 'Mixed',
        rows: [
          row(1, cell.inline('A1', 'When')),
          row(2, cell.number('A2', 45292, 1)),
          row(3, cell.number('A3', 45292.5, 2)),
          row(4, cell.number('A4', 0.75, 3)),
          row(5, cell.boolean('A5', true)),
          row(6, cell.number('A6', 1e21)),
        ].join(''),
      },
    ]);
    const mixed = sheet(await read(file), 'Mixed');
    expect(mixed.info.columns[0]?.type).toBe('string');
    expect(mixed.rows.map((r) => r[0])).toEqual(['2024-01-01', '2024-01-01T12:00:00', '18:00:00', 'TRUE', '1e+21']);
  });

  it('reads the 1904 date system', async () => {
    const file = workbook(
      [{ name: 'Mac', rows: row(1, cell.inline('A1', 'D')) + row(2, cell.number('A2', 43830, 1)) }],
      {
        date1904: true,
      },
    );
    expect(sheet(await read(file), 'Mac').rows).toEqual([[days('2024-01-01')]]);
  });

  it('reads worksheets stored before the workbook parts, in batches', async () => {
    const rows = [row(1, cell.inline('A1', 'N'), cell.inline('B1', 'Label'))];
    for (let r = 2; r <= 2501; r++)
      rows.push(row(r, cell.number(`A${r}`, r - 1), cell.inline(`B${r}`, `row ${r - 1}`)));
    const file = workbook(
      [
        { name: 'First', rows: rows.join('') },
        { name: 'Second', rows: row(1, cell.inline('A1', 'X')) + row(2, cell.number('A2', 42)) },
      ],
      { sheetsFirst: true },
    );
    const datasets = await read(file, 1000);
    const first = sheet(datasets, 'First');
    expect(first.rows).toHaveLength(2500);
    expect(first.batches).toBe(3);
    expect(first.rows[2499]).toEqual([2500, 'row 2500']);
    expect(sheet(datasets, 'Second').rows).toEqual([[42]]);
  });

  it('skips the rows of datasets whose batches are not read', async () => {
    const file = workbook([
      { name: 'A', rows: row(1, cell.inline('A1', 'a')) + row(2, cell.number('A2', 1)) },
      { name: 'B', rows: row(1, cell.inline('A1', 'b')) + row(2, cell.number('A2', 2)) },
    ]);
    const seen: unknown[] = [];
    for await (const dataset of readXlsx(file)) {
      if (dataset.info.name === 'A') continue;
      for await (const batch of dataset.batches()) seen.push(batch.columns[0] && valueAt(batch.columns[0], 0));
    }
    expect(seen).toEqual([2]);
  });

  it('yields nothing for a workbook whose sheets are all empty', async () => {
    expect(await read(workbook([{ name: 'Blank', rows: '<row r="1"/>' }]))).toEqual(new Map());
  });

  it('rejects files that are not XLSX workbooks', async () => {
    const notZip = path.join(tmp, 'text.xlsx');
    writeFileSync(notZip, 'STUDYID,USUBJID\n');
    expect((await rejection(notZip)).message).toMatch(/^text\.xlsx: not a readable XLSX workbook \(invalid signature/);

    const good = buildWorkbook([DATA], { sharedStrings: SHARED });
    const truncated = path.join(tmp, 'truncated.xlsx');
    writeFileSync(truncated, good.subarray(0, Math.floor(good.length * 0.6)));
    expect((await rejection(truncated)).reason).toMatch(
      /^not a readable XLSX workbook \(.+\); damaged, truncated or not Excel 2007\+\?$/,
    );

    const otherZip = path.join(tmp, 'other.xlsx');
    writeFileSync(otherZip, buildZip([{ name: 'dm.xpt', data: 'x' }]));
    expect((await rejection(otherZip)).reason).toBe(
      'not an XLSX workbook: the archive holds no worksheets (xl/worksheets/sheetN.xml)',
    );
  });
});

/**
 * Row counts per sheet verified independently: non-empty `<row>` elements of each
 * `xl/worksheets/sheetN.xml` (via unzip and a Python ElementTree count), minus the header row.
 */
const REAL: Record<string, Record<string, number>> = {
  'adam-pilot-5-spec.xlsx': {
    Define: 7,
    Datasets: 5,
    Variables: 216,
    ValueLevel: 15,
    Codelists: 339,
    Dictionaries: 1,
    Methods: 143,
    Comments: 8,
    Documents: 1,
    'Analysis Displays': 0,
    'Analysis Results': 0,
  },
  'atorus-titles.xlsx': { Sheet1: 224 },
  'phuse-send-PC201708.xlsx': {
    BG: 677,
    BW: 1752,
    CL: 2002,
    CO: 137,
    DD: 4,
    DM: 151,
    DS: 151,
    EG: 355,
    EX: 151,
    FW: 280,
    LB: 5749,
    MA: 191,
    MI: 4227,
    OM: 1201,
    PC: 151,
    PM: 4,
    PP: 151,
    RELREC: 81,
    SC: 121,
    SE: 341,
    SUPPMA: 68,
    SUPPMI: 423,
    TA: 21,
    TE: 7,
    TF: 6,
    TS: 59,
    TX: 113,
    VS: 119,
  },
  'pinnacle21-report-TDF_ADaM.xlsx': { 'Dataset Summary': 25, 'Issue Summary': 22, Details: 2006, Rules: 239 },
  'pinnacle21-report-pilot-sdtm-2023.xlsx': {
    'Validation Summary': 13,
    'Dataset Summary': 30,
    'Issue Summary': 139,
    Details: 10365,
    Rules: 394,
  },
};

describe.runIf(hasSharedData('XLSX tests on real workbooks'))('readXlsx on ../shared/data/xlsx', () => {
  it('covers every workbook in the folder', () => {
    expect(
      readdirSync(sharedData('xlsx'))
        .filter((f) => f.endsWith('.xlsx'))
        .sort(),
    ).toEqual(Object.keys(REAL).sort());
  });

  it.each(Object.entries(REAL))('%s: sheet names and row counts', async (name, counts) => {
    const datasets = await read(sharedData('xlsx', name));
    expect(Object.fromEntries([...datasets].map(([sheetName, d]) => [sheetName, d.rows.length]))).toEqual(counts);
  });

  it('reads a SEND workbook that declares <dimension ref="A1"> on every sheet', async () => {
    const lb = sheet(await read(sharedData('xlsx', 'phuse-send-PC201708.xlsx')), 'LB');
    // Row 1 is hidden and empty, row 2 holds labels (the header), row 3 the variable names.
    expect(lb.info.metadata?.['xlsx.headerRow']).toBe('2');
    expect(lb.info.columns.slice(0, 4).map((c) => c.name)).toEqual([
      'Study Identifier',
      'Domain Abbreviation',
      'Unique Subject Identifier',
      'Sequence Number',
    ]);
    expect(lb.rows[0]?.slice(0, 4)).toEqual(['STUDYID', 'DOMAIN', 'USUBJID', 'LBSEQ']);
    expect(lb.rows).toHaveLength(5749);
  });

  it('reads formulas, booleans and numbers in the Atorus titles sheet', async () => {
    const titles = sheet(await read(sharedData('xlsx', 'atorus-titles.xlsx')), 'Sheet1');
    expect(titles.info.columns.map((c) => [c.name, c.type])).toEqual([
      ['table_number', 'string'],
      ['index', 'number'],
      ['type', 'string'],
      ['text1', 'string'],
      ['text2', 'string'],
      ['align', 'string'],
      ['bold', 'boolean'],
      ['italic', 'boolean'],
      ['font', 'string'],
    ]);
    // B2 is =IF(AND(A1=A2, C1=C2), B1+1, 1) with cached result 1; B3 a shared formula with 2.
    expect(rowObject(titles, 0)).toMatchObject({
      table_number: '14-1.01',
      index: 1,
      type: 'title',
      text1: 'Protocol: CDISCPILOT01',
      bold: 1,
    });
    expect(rowObject(titles, 1)).toMatchObject({ index: 2 });
  });

  it('keeps merged titles in their top-left cell and hyperlink text (Pinnacle 21 report)', async () => {
    const datasets = await read(sharedData('xlsx', 'pinnacle21-report-pilot-sdtm-2023.xlsx'));
    const summary = sheet(datasets, 'Validation Summary');
    expect(summary.info.columns.map((c) => c.name)).toEqual(['Pinnacle 21 Validator Report', 'B', 'C']);
    expect(summary.rows[0]).toEqual([
      expect.stringMatching(/^Configuration: .*SDTM-IG 3\.1\.2 \(FDA\)\.xml$/),
      null,
      null,
    ]);
    const details = sheet(datasets, 'Details');
    expect(details.info.columns.find((c) => c.name === 'Record')?.type).toBe('number');
    expect(rowObject(details, 0)).toMatchObject({
      Domain: 'AE',
      Record: 1,
      Variables: 'AEENDTC',
      'Pinnacle 21 ID': 'SD0021',
    });
  });
});

describe('readXlsx fixtures', () => {
  it('has no copied workbooks (the shared ones carry no licence); workbooks are built in the tests', () => {
    expect(readdirSync(fixture('xlsx'))).toEqual(['README.md']);
  });
});

describe('columnLetter', () => {
  it.each([
    [0, 'A'],
    [2, 'C'],
    [13, 'N'],
    [25, 'Z'],
    [26, 'AA'],
    [51, 'AZ'],
    [52, 'BA'],
    [701, 'ZZ'],
    [702, 'AAA'],
    [16383, 'XFD'],
  ])('names column %i as Excel does: %s', (index, letters) => {
    expect(columnLetter(index)).toBe(letters);
  });
});
