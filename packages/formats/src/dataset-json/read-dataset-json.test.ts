import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { parseIsoDate, parseIsoDatetime, parseIsoTime } from '../iso-8601.ts';
import { days, fixture, millis, readAll, rowObject } from '../test-support.ts';
import { JsonSource } from './json-source.ts';
import { readDatasetJson } from './read-dataset-json.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'cdp-dsjson-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}

async function readError(file: string): Promise<FormatError> {
  try {
    await readAll(readDatasetJson(file));
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error(`expected ${file} to be rejected`);
}

describe('readDatasetJson v1.1', () => {
  it('reads the schema, key order and metadata of dm.json', async () => {
    const [dm] = await readAll(readDatasetJson(fixture('dataset-json', 'dm.json')));
    if (!dm) throw new Error('no dataset');
    expect(dm.info.name).toBe('DM');
    expect(dm.info.label).toBe('Demographics');
    expect(dm.info.declaredRows).toBe(4);
    expect(dm.info.columns.map((c) => [c.name, c.type])).toEqual([
      ['STUDYID', 'string'],
      ['DOMAIN', 'string'],
      ['USUBJID', 'string'],
      ['AGE', 'integer'],
      ['AGEU', 'string'],
      ['RFSTDTC', 'string'],
      ['SITENAME', 'string'],
    ]);
    expect(dm.info.columns[0]).toMatchObject({ label: 'Study Identifier', length: 12 });
    expect(dm.info.metadata).toMatchObject({
      keys: 'STUDYID,USUBJID',
      studyOID: 'CDISCPILOT01',
      'sourceSystem.name': 'hand-written',
      datasetJSONVersion: '1.1.0',
    });
  });

  it('keeps nulls, empty strings, partial dates and non-ASCII text', async () => {
    const [dm] = await readAll(readDatasetJson(fixture('dataset-json', 'dm.json')));
    if (!dm) throw new Error('no dataset');
    expect(dm.rows).toHaveLength(4);
    expect(rowObject(dm, 0)).toEqual({
      STUDYID: 'CDISCPILOT01',
      DOMAIN: 'DM',
      USUBJID: '01-701-1015',
      AGE: 63,
      AGEU: 'YEARS',
      RFSTDTC: '2014-01-02',
      SITENAME: 'Zürich Universitätsspital',
    });
    expect(rowObject(dm, 1)).toMatchObject({ RFSTDTC: '2012-08', SITENAME: '東京 日本語 "quoted"' });
    expect(rowObject(dm, 2)).toMatchObject({ AGE: null, AGEU: '', RFSTDTC: null, SITENAME: null });
    expect(rowObject(dm, 3)).toMatchObject({ SITENAME: 'tab\there\nnewline' });
  });

  it('reads the NDJSON form to the same rows', async () => {
    const [json] = await readAll(readDatasetJson(fixture('dataset-json', 'dm.json')));
    const [ndjson] = await readAll(readDatasetJson(fixture('dataset-json', 'dm.ndjson')));
    expect(ndjson?.info.columns).toEqual(json?.info.columns);
    expect(ndjson?.rows).toEqual(json?.rows);
  });

  it('converts ADaM dates, datetimes, times, decimals and booleans', async () => {
    const [adsl] = await readAll(readDatasetJson(fixture('dataset-json', 'adsl.json')));
    if (!adsl) throw new Error('no dataset');
    expect(adsl.info.columns.map((c) => c.type)).toEqual([
      'string',
      'date',
      'datetime',
      'time',
      'number',
      'number',
      'number',
      'boolean',
      'string',
    ]);
    expect(adsl.info.columns[1]?.format).toBe('E8601DA.');
    expect(rowObject(adsl, 0)).toEqual({
      USUBJID: '01-701-1015',
      TRTSDT: days('2014-01-02'),
      TRTSDTM: millis('2014-01-02T08:30:00'),
      TRTSTM: 8 * 3600 + 30 * 60,
      BMIBL: 25.1,
      HEIGHTBL: 147.3,
      WEIGHTBL: 54.4,
      CONSENT: 1,
      DOCREF: 'https://example.org/a',
    });
    expect(rowObject(adsl, 1)).toMatchObject({
      TRTSDTM: millis('2012-08-05T23:59:59.500'),
      TRTSTM: 86_399.5,
      BMIBL: 1030.8983333232059,
      CONSENT: 0,
      DOCREF: null,
    });
    expect(rowObject(adsl, 2)).toMatchObject({ TRTSDT: null, BMIBL: null, CONSENT: null, DOCREF: '' });
  });

  it('reads rows that come before the columns in a second pass', async () => {
    const [xx] = await readAll(readDatasetJson(fixture('dataset-json', 'rows-first.json')));
    expect(xx?.info.name).toBe('XX');
    expect(xx?.rows).toEqual([
      ['A', 1],
      ['B', null],
    ]);
  });

  it('splits rows into batches of the requested size', async () => {
    const [dm] = await readAll(readDatasetJson(fixture('dataset-json', 'dm.json'), { batchSize: 3 }));
    expect(dm?.batches).toBe(2);
    expect(dm?.rows).toHaveLength(4);
  });

  it('yields a dataset with no rows when the file has none', async () => {
    const file = write(
      'empty.json',
      JSON.stringify({
        datasetJSONVersion: '1.1.0',
        records: 0,
        name: 'EMPTY',
        label: 'x',
        columns: [{ itemOID: 'A', name: 'A', dataType: 'string' }],
      }),
    );
    const [empty] = await readAll(readDatasetJson(file));
    expect(empty?.info.columns.map((c) => c.name)).toEqual(['A']);
    expect(empty?.rows).toEqual([]);
  });

  it('streams a large file correctly across chunk boundaries', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => [
      `S-${i}`,
      i,
      i % 7 === 0 ? null : `é${'x'.repeat(i % 50)}日`,
    ]);
    const file = write(
      'big.json',
      JSON.stringify({
        datasetJSONVersion: '1.1.0',
        name: 'BIG',
        label: 'big',
        columns: [
          { itemOID: 'K', name: 'K', dataType: 'string' },
          { itemOID: 'N', name: 'N', dataType: 'integer' },
          { itemOID: 'T', name: 'T', dataType: 'string' },
        ],
        rows,
      }),
    );
    const [big] = await readAll(readDatasetJson(file, { batchSize: 1000 }));
    expect(big?.rows).toEqual(rows);
    expect(big?.batches).toBe(20);
  });
});

describe('readDatasetJson v1.0', () => {
  it('reads clinicalData.itemGroupData and converts SAS dates by display format', async () => {
    const [adtte] = await readAll(readDatasetJson(fixture('dataset-json', 'adtte-v1-0.json')));
    if (!adtte) throw new Error('no dataset');
    expect(adtte.info.name).toBe('ADTTE');
    expect(adtte.info.metadata).toMatchObject({ studyOID: 'CDISCPILOT01', keys: 'USUBJID' });
    expect(adtte.info.columns.map((c) => [c.name, c.type])).toEqual([
      ['ITEMGROUPDATASEQ', 'integer'],
      ['USUBJID', 'string'],
      ['TRTSDT', 'date'],
      ['AVAL', 'number'],
    ]);
    // SAS day 19725 (since 1960-01-01) is 2014-01-02.
    expect(adtte.rows).toEqual([
      [1, '01-701-1015', days('2014-01-02'), 2],
      [2, '01-701-1023', days('2012-08-05'), 3.5],
    ]);
  });
});

describe('readDatasetJson rejects', () => {
  const dm = readFileSync(fixture('dataset-json', 'dm.json'));

  it('a file truncated inside the rows, naming the row', async () => {
    const cut = dm.subarray(0, dm.indexOf('01-701-1028') + 4);
    const error = await readError(write('truncated.json', cut));
    expect(error.message).toBe(
      'truncated.json, dataset DM, row 3: the file ends inside the rows, after 2 complete rows (truncated upload?)',
    );
  });

  it('a file truncated right after the rows', async () => {
    const cut = dm.subarray(0, dm.lastIndexOf(']') + 1);
    const error = await readError(write('cut-after-rows.json', cut));
    expect(error.reason).toMatch(/ends before the JSON document is complete/);
  });

  it('a file truncated inside a multi-byte character', async () => {
    const at = dm.indexOf(Buffer.from('東京')) + 1;
    const error = await readError(write('cut-utf8.json', dm.subarray(0, at)));
    expect(error.reason).toMatch(/truncated upload/);
  });

  it('a value that does not fit its column type, naming row and column', async () => {
    const bad = dm.toString('utf8').replace('63, "YEARS"', '63.5, "YEARS"');
    const error = await readError(write('bad-int.json', bad));
    expect(error.message).toBe('bad-int.json, dataset DM, row 1, column AGE: 63.5 is not an integer');
  });

  it('a partial date in a targetDataType integer column', async () => {
    const adsl = readFileSync(fixture('dataset-json', 'adsl.json'), 'utf8').replace('"2012-08-05",', '"2012-08",');
    const error = await readError(write('partial.json', adsl));
    expect(error.location).toMatchObject({ row: 2, column: 'TRTSDT' });
    expect(error.reason).toMatch(/"2012-08" is not a complete ISO 8601 date/);
  });

  it('a row with the wrong number of values', async () => {
    const bad = dm.toString('utf8').replace('"YEARS", "2014-03-18", ', '"YEARS", ');
    const error = await readError(write('short-row.json', bad));
    expect(error.message).toMatch(/row 4: the row has 6 values but there are 7 columns/);
  });

  it('invalid JSON, unsupported versions, files that are not Dataset-JSON and two datasets', async () => {
    const syntax = await readError(
      write('syntax.json', dm.toString('utf8').replace('"DM", "01-701-1015"', '"DM" "01-701-1015"')),
    );
    expect(syntax.location).toMatchObject({ dataset: 'DM', row: 1 });
    expect(syntax.reason).toMatch(/^invalid JSON: expected "," or "]" in an array near "/);
    expect((await readError(write('v2.json', '{"datasetJSONVersion": "2.0.0", "columns": []}'))).reason).toBe(
      'Dataset-JSON version 2.0.0 is not supported (1.0 and 1.1 are)',
    );
    expect((await readError(write('array.json', '[1, 2]'))).reason).toMatch(/does not start with a JSON object/);
    expect((await readError(write('nocols.json', '{"name": "X"}'))).reason).toMatch(/no "columns"/);
    expect(
      (await readError(write('latin1.json', Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d])))).reason,
    ).toMatch(/not valid UTF-8/);
    const two = {
      clinicalData: {
        itemGroupData: {
          A: { name: 'A', items: [{ OID: 'X', name: 'X', type: 'string' }], itemData: [['1']] },
          B: { name: 'B', items: [{ OID: 'X', name: 'X', type: 'string' }], itemData: [['1']] },
        },
      },
    };
    expect((await readError(write('two.json', JSON.stringify(two)))).reason).toMatch(
      /more than one dataset \(A and B\)/,
    );
  });
});

describe('JsonSource', () => {
  it('parses values split across tiny chunks exactly like JSON.parse', async () => {
    const value = {
      s: 'a\\b"c\u00e9\u65e5\ud83d\ude00\n',
      n: [-0.5, 1e-7, 12345678901234, 0],
      t: [true, false, null],
      o: { nested: [[[]], {}] },
    };
    const file = write('chunks.json', JSON.stringify(value));
    for (const chunk of [1, 2, 3, 7]) {
      const src = JsonSource.open(file, 'chunks.json', chunk);
      try {
        expect(await src.value(() => new FormatError('truncated'))).toEqual(value);
        expect(await src.peek()).toBe('');
      } finally {
        src.close();
      }
    }
  });
});

describe('ISO 8601 parsing', () => {
  it.each([
    ['2014-01-02', days('2014-01-02')],
    ['1960-01-01', -3653],
    ['2000-02-29', days('2000-02-29')],
    ['0099-12-31', -683_004],
    ['1900-02-29', undefined],
    ['2014-13-01', undefined],
    ['2014-01', undefined],
    ['2014-01-02T10:00', undefined],
  ])('date %s', (text, expected) => expect(parseIsoDate(text)).toBe(expected));

  it.each([
    ['2014-01-02T10:11:12', millis('2014-01-02T10:11:12')],
    ['2014-01-02T10:11', millis('2014-01-02T10:11:00')],
    ['2014-01-02T10:11:12.345', millis('2014-01-02T10:11:12.345')],
    ['2014-01-02T10:11:12Z', undefined],
    ['2014-01-02T10:11:12+01:00', undefined],
    ['2014-01-02T24:00:00', undefined],
    ['2014-01-02', undefined],
  ])('datetime %s', (text, expected) => expect(parseIsoDatetime(text)).toBe(expected));

  it.each([
    ['00:00', 0],
    ['23:59:59', 86_399],
    ['08:30:00.25', 30_600.25],
    ['24:00', undefined],
    ['8:30', undefined],
  ])('time %s', (text, expected) => expect(parseIsoTime(text)).toBe(expected));
});
