import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { valueAt } from '../text-cells.ts';
import { decodeIbmFloat, encodeIbmFloat, IBM_MALFORMED, IBM_MISSING, IBM_VALUE, ibmResult } from './ibm-float.ts';
import { readXpt } from './read-xpt.ts';
import { buildXpt, ibm, missingValue, readAll, type TestMember, text } from './xpt-test-support.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'read-xpt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
async function file(bytes: Buffer): Promise<string> {
  const name = path.join(dir, `t${++fileCount}.xpt`);
  await writeFile(name, bytes);
  return name;
}

function decode(hex: string): { kind: number; value: number; code: string } {
  const bytes = Buffer.from(hex.replace(/\s/g, ''), 'hex');
  const kind = decodeIbmFloat(bytes, 0, bytes.length);
  return { kind, value: ibmResult.value, code: String.fromCharCode(ibmResult.missingCode) };
}

describe('IBM hexadecimal floating point', () => {
  it.each([
    ['41100000 00000000', 1],
    ['C1100000 00000000', -1],
    ['42640000 00000000', 100],
    ['40199999 9999999A', 0.1],
    ['C2FE8000 00000000', -254.5],
    ['00000000 00000000', 0],
    ['80000000 00000000', 0],
    // 16^−65, the smallest normalised IBM number.
    ['00100000 00000000', 5.397605346934028e-79],
    // (1 − 16^−14) · 16^63: rounds to 2^252 as a double.
    ['7FFFFFFF FFFFFFFF', 7.237005577332262e75],
    ['FFFFFFFF FFFFFFFF', -7.237005577332262e75],
    // Unnormalised fraction with exponent byte 0.
    ['00000000 00000001', 2 ** -312],
    // Shorter variables keep the leading bytes.
    ['4110', 1],
    ['426400', 100],
    ['40199999', 0.09999996423721313],
    ['4019999999', 0.09999999986030161],
    // Bytes that happen to be ASCII blanks are a (tiny) number, not missing.
    ['20202020 20202020', 3.687825414344431e-40],
  ])('%s → %d', (hex, expected) => {
    const { kind, value } = decode(hex);
    expect(kind).toBe(IBM_VALUE);
    expect(value).toBe(expected);
  });

  it.each([
    ['2E000000 00000000', '.'],
    ['5F000000 00000000', '_'],
    ['41000000 00000000', 'A'],
    ['5A000000 00000000', 'Z'],
    ['2E00', '.'],
    ['4D0000', 'M'],
  ])('%s is missing value .%s', (hex, code) => {
    const decoded = decode(hex);
    expect(decoded.kind).toBe(IBM_MISSING);
    expect(decoded.code).toBe(code);
  });

  it.each([['40000000 00000000'], ['5B000000 00000000'], ['30000000 00000000'], ['2F00']])(
    '%s (zero fraction, no missing code) is malformed',
    (hex) => {
      expect(decode(hex).kind).toBe(IBM_MALFORMED);
    },
  );

  it.each([
    [1, '4110000000000000'],
    [-1, 'C110000000000000'],
    [100, '4264000000000000'],
    [0.1, '401999999999999A'],
    [-254.5, 'C2FE800000000000'],
    [0, '0000000000000000'],
    [-0, '0000000000000000'],
    [5.397605346934028e-79, '0010000000000000'],
  ])('encodes %d as %s', (value, hex) => {
    const bytes = Buffer.alloc(8);
    expect(encodeIbmFloat(value, bytes, 0)).toBe(true);
    expect(bytes.toString('hex').toUpperCase()).toBe(hex);
  });

  it('round-trips doubles exactly across the IBM range, rounding only below 16^-64', () => {
    const bytes = Buffer.alloc(8);
    const values = [Math.PI, -Math.E, 1e-75, 1.7976e75, 7.2e75, -7.2e75, 123456789.123, 2 ** 53 + 2, 1e-78, 6e-79];
    for (let i = 0; i < 2000; i++) values.push((Math.sin(i) * 10 ** ((i % 140) - 70)) / 3);
    for (const value of values) {
      expect(encodeIbmFloat(value, bytes, 0)).toBe(true);
      expect(decodeIbmFloat(bytes, 0, 8)).toBe(IBM_VALUE);
      expect(ibmResult.value).toBe(value);
    }
    // Below 16^-65 the fraction loses bits: the nearest representable value comes back.
    expect(encodeIbmFloat(1e-80, bytes, 0)).toBe(true);
    decodeIbmFloat(bytes, 0, 8);
    expect(Math.abs(ibmResult.value - 1e-80) / 1e-80).toBeLessThan(1e-12);
    expect(encodeIbmFloat(1e-100, bytes, 0)).toBe(true);
    expect(bytes.toString('hex')).toBe('0000000000000000');
  });

  it('refuses what IBM cannot hold', () => {
    const bytes = Buffer.alloc(8);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, -Number.POSITIVE_INFINITY, 2 ** 252, 1e76, -1e300]) {
      expect(encodeIbmFloat(value, bytes, 0)).toBe(false);
    }
  });
});

const VITALS: TestMember = {
  name: 'VS',
  label: 'Vital Signs',
  variables: [
    { name: 'USUBJID', type: 'string', length: 12, label: 'Unique Subject Identifier' },
    { name: 'VSSTRESN', type: 'number', length: 8, label: 'Numeric Result', format: ['', 8, 2] },
    { name: 'VSDT', type: 'number', length: 8, format: ['DATE', 9, 0] },
    { name: 'VSDTM', type: 'number', length: 8, format: ['DATETIME', 20, 0] },
    { name: 'VSTM', type: 'number', length: 8, format: ['TIME', 8, 0] },
    { name: 'SHORT', type: 'number', length: 3 },
  ],
  data: Buffer.concat([
    text('01-701-1015', 12),
    ibm(120.5),
    ibm(0),
    ibm(86400 + 3600),
    ibm(45296),
    ibm(1, 3),
    text('  lead blank', 12),
    missingValue('.'),
    missingValue('A'),
    missingValue('_'),
    missingValue('Z'),
    missingValue('.', 3),
    text('', 12),
    ibm(-3.25),
    ibm(-3653),
    ibm(-1.5),
    ibm(0.5),
    ibm(100, 3),
  ]),
};

describe('readXpt', () => {
  it('reads names, labels, formats, types and values of a version 5 member', async () => {
    const [member] = await readAll(await file(buildXpt([VITALS])));
    expect(member?.info).toMatchObject({
      name: 'VS',
      label: 'Vital Signs',
      columns: [
        { name: 'USUBJID', label: 'Unique Subject Identifier', type: 'string', length: 12 },
        { name: 'VSSTRESN', label: 'Numeric Result', type: 'number', length: 8, format: '8.2' },
        { name: 'VSDT', type: 'date', format: 'DATE9.' },
        { name: 'VSDTM', type: 'datetime', format: 'DATETIME20.' },
        { name: 'VSTM', type: 'time', format: 'TIME8.' },
        { name: 'SHORT', type: 'number', length: 3 },
      ],
      metadata: {
        'sas.version': '9.4',
        'sas.os': 'X64_10PR',
        'sas.created': '2024-01-01T10:20:30',
        'sas.transportVersion': '5',
      },
    });
    expect(member?.info.declaredRows).toBeUndefined();
    expect(member?.rows).toBe(3);
    expect(member?.values).toEqual([
      ['01-701-1015', '  lead blank', null],
      [120.5, Number.NaN, -3.25],
      // 1960-01-01 is day −3653 from 1970; the SAS day −3653 is 1950-01-01.
      [-3653, Number.NaN, -7306],
      [(86400 + 3600 - 315619200) * 1000, Number.NaN, (-1.5 - 315619200) * 1000],
      [45296, Number.NaN, 0.5],
      [1, Number.NaN, 100],
    ]);
    expect(member?.missing.slice(1)).toEqual([
      [0, 46, 0],
      [0, 65, 0],
      [0, 95, 0],
      [0, 90, 0],
      [0, 46, 0],
    ]);
  });

  it('returns rows in batches of the requested size', async () => {
    const data = Buffer.concat(Array.from({ length: 25 }, (_, i) => ibm(i)));
    const xpt = buildXpt([{ name: 'N', variables: [{ name: 'X', type: 'number', length: 8 }], data }]);
    const [member] = await readAll(await file(xpt), { batchSize: 10 });
    expect(member?.batches).toBe(3);
    expect(member?.values[0]).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('reads every member of a file, also when a member is skipped unread', async () => {
    const a: TestMember = { name: 'A', variables: [{ name: 'X', type: 'string', length: 3 }], data: text('abc', 3) };
    const b: TestMember = {
      name: 'B',
      variables: [{ name: 'Y', type: 'number', length: 8 }],
      data: Buffer.concat([ibm(1), ibm(2)]),
    };
    const path = await file(buildXpt([a, b, a]));
    const names: string[] = [];
    const values: unknown[] = [];
    for await (const dataset of readXpt(path)) {
      names.push(dataset.info.name);
      if (dataset.info.name !== 'B') continue;
      for await (const batch of dataset.batches()) values.push(...(batch.columns[0] as Float64Array));
    }
    expect(names).toEqual(['A', 'B', 'A']);
    expect(values).toEqual([1, 2]);
  });

  it('continues with the next member when one is left after its first batch', async () => {
    const many: TestMember = {
      name: 'MANY',
      variables: [{ name: 'X', type: 'number', length: 8 }],
      data: Buffer.concat(Array.from({ length: 30 }, (_, i) => ibm(i))),
    };
    const last: TestMember = {
      name: 'LAST',
      variables: [{ name: 'S', type: 'string', length: 4 }],
      data: text('end', 4),
    };
    const seen: unknown[] = [];
    for await (const dataset of readXpt(await file(buildXpt([many, last])), { batchSize: 4 })) {
      for await (const batch of dataset.batches()) {
        seen.push(dataset.info.name, batch.columns[0] && valueAt(batch.columns[0], 0));
        break;
      }
    }
    expect(seen).toEqual(['MANY', 0, 'LAST', 'end']);
  });

  it('reads the 136-byte variable descriptors of VAX/VMS files', async () => {
    const [member] = await readAll(await file(buildXpt([VITALS], 5, 136)));
    expect(member?.info.columns.map((c) => c.name)).toEqual(['USUBJID', 'VSSTRESN', 'VSDT', 'VSDTM', 'VSTM', 'SHORT']);
    expect(member?.values[1]).toEqual([120.5, Number.NaN, -3.25]);
  });

  it('decodes text as ASCII, UTF-8 when valid, otherwise Windows-1252; trailing blanks go, blank is null', async () => {
    const values = [
      Buffer.from('plain'),
      Buffer.from('Ménière’s', 'utf8'),
      Buffer.from([0x4d, 0xe9, 0x6e, 0x69, 0xe8, 0x72, 0x65, 0x92, 0x73]),
      Buffer.from('  '),
      Buffer.from([0x80, 0x20, 0x41]),
    ];
    const data = Buffer.concat(values.map((v) => text(v, 16)));
    const xpt = buildXpt([{ name: 'T', variables: [{ name: 'S', type: 'string', length: 16 }], data }]);
    const [member] = await readAll(await file(xpt));
    expect(member?.values[0]).toEqual(['plain', 'Ménière’s', 'Ménière’s', null, '€ A']);
  });

  describe('end of data and padding', () => {
    const blank8 = Buffer.alloc(8, 0x20);

    it('treats blanks after the last observation, up to the record end, as padding', async () => {
      // Three observations of 8 bytes then 56 bytes of padding: blank observations there are padding.
      const data = Buffer.concat([text('A', 8), blank8, text('B', 8)]);
      const xpt = buildXpt([{ name: 'P', variables: [{ name: 'S', type: 'string', length: 8 }], data }]);
      const [member] = await readAll(await file(xpt));
      expect(member?.values[0]).toEqual(['A', null, 'B']);
    });

    it('keeps a blank observation that starts a record: padding never fills a whole record', async () => {
      const data = Buffer.concat([text('first', 80), Buffer.alloc(80, 0x20)]);
      const xpt = buildXpt([{ name: 'P', variables: [{ name: 'S', type: 'string', length: 80 }], data }]);
      const [member] = await readAll(await file(xpt));
      expect(member?.values[0]).toEqual(['first', null]);
    });

    it('keeps blank observations longer than a record', async () => {
      const data = Buffer.concat([text('x', 100), Buffer.alloc(100, 0x20)]);
      const xpt = buildXpt([{ name: 'P', variables: [{ name: 'S', type: 'string', length: 100 }], data }]);
      const [member] = await readAll(await file(xpt));
      expect(member?.values[0]).toEqual(['x', null]);
    });
  });

  it('reads version 8: long names, long labels and the declared row count', async () => {
    const member: TestMember = {
      name: 'LONG_DATASET_NAME',
      variables: [
        { name: 'a_rather_long_variable_name', type: 'number', length: 8, label: 'short' },
        { name: 'txt', type: 'string', length: 5 },
      ],
      data: Buffer.concat([ibm(7), text('hello', 5)]),
      longLabels: { 0: 'A label that is much longer than the forty characters of version 5' },
    };
    const xpt = buildXpt([member], 8);
    // The OBSV8 header carries the row count.
    const obs = xpt.indexOf('OBSV8   HEADER RECORD!!!!!!!');
    xpt.write('1'.padEnd(30, ' '), obs + 28, 'latin1');
    const [read] = await readAll(await file(xpt));
    expect(read?.info).toMatchObject({
      name: 'LONG_DATASET_NAME',
      declaredRows: 1,
      columns: [
        {
          name: 'a_rather_long_variable_name',
          label: 'A label that is much longer than the forty characters of version 5',
        },
        { name: 'txt' },
      ],
      metadata: { 'sas.transportVersion': '8' },
    });
    expect(read?.values).toEqual([[7], ['hello']]);
  });

  describe('damaged files', () => {
    async function failure(bytes: Buffer): Promise<FormatError> {
      try {
        await readAll(await file(bytes));
      } catch (error) {
        expect(error).toBeInstanceOf(FormatError);
        return error as FormatError;
      }
      throw new Error('the file was read without an error');
    }

    const numbers: TestMember = {
      name: 'AE',
      variables: [
        { name: 'AESEQ', type: 'number', length: 8 },
        { name: 'AETERM', type: 'string', length: 92 },
      ],
      data: Buffer.concat(Array.from({ length: 4 }, (_, i) => Buffer.concat([ibm(i + 1), text(`TERM ${i + 1}`, 92)]))),
    };

    it('says which observation a truncated file ends in', async () => {
      const whole = buildXpt([numbers]);
      // Observations are 100 bytes; cutting at 2.5 observations leaves a whole number of records.
      const dataStart = whole.length - 400;
      const error = await failure(whole.subarray(0, dataStart + 240));
      expect(error.location).toMatchObject({ dataset: 'AE', row: 3 });
      expect(error.message).toMatch(
        /^t\d+\.xpt, dataset AE, row 3: file ends inside an observation \(truncated upload\?\)$/,
      );
      const midRecord = await failure(whole.subarray(0, dataStart + 130));
      expect(midRecord.location.row).toBe(2);
    });

    it('names the header record that is wrong', async () => {
      const xpt = buildXpt([numbers]);
      xpt.write('NOTNAMES', 7 * 80 + 20, 'latin1');
      const error = await failure(xpt);
      expect(error.message).toContain('record 8 should be the NAMESTR header but is not');
      expect(error.location.dataset).toBe('AE');
    });

    it('recognises files that are not transport files', async () => {
      expect((await failure(Buffer.from('USUBJID,AGE\n01-701-1015,63\n'))).message).toContain(
        'file ends inside the library header',
      );
      expect((await failure(Buffer.alloc(400, 0x41))).message).toContain('record 1 is not a LIBRARY header');
      expect((await failure(Buffer.from(`**COMPRESSED** **COMPRESSED** ${' '.repeat(200)}`))).message).toContain(
        'CPORT',
      );
      expect((await failure(Buffer.alloc(0))).message).toContain('empty');
    });

    it('rejects a number whose bytes are no SAS value', async () => {
      const bad: TestMember = {
        name: 'N',
        variables: [{ name: 'X', type: 'number', length: 8 }],
        data: Buffer.concat([ibm(1), missingValue('@')]),
      };
      const error = await failure(buildXpt([bad]));
      expect(error.location).toMatchObject({ row: 2 });
      expect(error.message).toContain('column X: not a SAS number');
    });

    it.each([
      ['an unknown type code', { typeCode: 3 }, 'unknown type code 3'],
      ['a non-zero name hash', { hash: 7 }, 'name hash is not 0'],
      ['a negative position', { position: -8 }, 'negative position'],
      ['a duplicated variable number', { varnum: 1 }, 'two variables have number 1'],
    ])('rejects a descriptor with %s', async (_, raw, message) => {
      const member: TestMember = {
        name: 'D',
        variables: [
          { name: 'A', type: 'number', length: 8 },
          { name: 'B', type: 'number', length: 8, raw },
        ],
        data: Buffer.concat([ibm(1), ibm(2)]),
      };
      expect((await failure(buildXpt([member]))).message).toContain(message);
    });

    it('only ever fails with a FormatError, whatever the damage, and never hangs', async () => {
      const whole = buildXpt([VITALS, numbers]);
      let seed = 12345;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const variants: Buffer[] = [];
      for (let cut = 0; cut < whole.length; cut += 7) variants.push(whole.subarray(0, cut));
      for (let i = 0; i < 300; i++) {
        const damaged = Buffer.from(whole);
        const flips = 1 + Math.floor(random() * 4);
        for (let f = 0; f < flips; f++) damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
        variants.push(damaged);
      }
      for (const bytes of variants) {
        try {
          await readAll(await file(bytes));
        } catch (error) {
          if (!(error instanceof FormatError)) throw error;
        }
      }
    }, 60_000);
  });
});

/** Real files committed with the package (see fixtures/xpt/README.md), tested on every clone. */
describe('readXpt on the committed fixtures', () => {
  const fixtures = path.resolve(import.meta.dirname, '../../fixtures/xpt');

  it('reads both members of a version 5 file written by SAS', async () => {
    const members = await readAll(path.join(fixtures, 'fredhutch/multiple_datasets.xpt'));
    expect(members.map((m) => [m.info.name, m.info.label, m.values])).toEqual([
      ['A', 'Dataset A', [['data-in-dataset-a']]],
      ['B', 'Dataset B', [['data-in-dataset-b']]],
    ]);
  });

  it('reads a version 8 file with mixed-case names', async () => {
    const [member] = await readAll(path.join(fixtures, 'fredhutch/v8xport.xpt'));
    expect(member?.info).toMatchObject({
      name: 'REPORT',
      declaredRows: 5,
      columns: [
        { name: 'Item', type: 'string', length: 6, format: '$UPCASE9.', informat: '$CHAR.' },
        { name: 'Material', type: 'string', length: 7 },
        {
          name: 'Cost',
          type: 'number',
          format: 'DOLLAR15.2',
          informat: 'COMMA10.2',
          label: 'Dollars to create item/material',
        },
        { name: 'Profit', type: 'number', format: 'DOLLAR15.2' },
      ],
    });
    expect(member?.values).toEqual([
      ['shirts', 'ties', 'suits', 'belts', 'shoes'],
      ['cotton', 'silk', 'silk', 'leather', 'leather'],
      [2256354, 498678, 9482146, 7693, 7936712],
      [83952175, 2349615, 69839563, 14893, 22964],
    ]);
  });

  it('delivers the rows before a truncation, then fails at the cut observation', async () => {
    const rows: unknown[] = [];
    const error = await (async () => {
      for await (const dataset of readXpt(path.join(fixtures, 'fredhutch/truncated_observation_at_record.xpt'), {
        batchSize: 1,
      })) {
        for await (const batch of dataset.batches()) rows.push(batch.columns.map((c) => valueAt(c, 0)));
      }
    })().catch((e: unknown) => e);
    expect(rows).toEqual([
      [15.2, 5, 'first row'],
      [0, 10000, 'second row'],
    ]);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toBe(
      'truncated_observation_at_record.xpt, dataset mydata, row 3: file ends inside an observation (truncated upload?)',
    );
  });

  it('reads the CDISC pilot Trial Arms domain (data courtesy of CDISC)', async () => {
    const [member] = await readAll(path.join(fixtures, 'cdiscpilot01/ta.xpt'), { fileName: 'sdtm.zip/ta.xpt' });
    expect(member?.rows).toBe(8);
    expect(member?.info.columns.map((c) => [c.name, c.label, c.type, c.length])).toEqual([
      ['STUDYID', 'Study Identifier', 'string', 12],
      ['DOMAIN', 'Domain Abbreviation', 'string', 2],
      ['ARMCD', 'Planned Arm Code', 'string', 8],
      ['ARM', 'Description of Planned Arm', 'string', 20],
      ['TAETORD', 'Order of Element within Arm', 'number', 8],
      ['ETCD', 'Element Code', 'string', 200],
      ['ELEMENT', 'Description of Element', 'string', 200],
      ['TABRANCH', 'Branch', 'string', 200],
      ['TATRANS', 'Transition Rule', 'string', 200],
      ['EPOCH', 'Epoch', 'string', 200],
    ]);
    expect(member?.info.metadata).toMatchObject({ 'sas.version': '9.3', 'sas.created': '2012-04-04T22:16:22' });
    expect(new Set(member?.values[3])).toEqual(new Set(['Placebo', 'Xanomeline High Dose', 'Xanomeline Low Dose']));
    expect(member?.values[4]).toEqual([1, 2, 1, 2, 3, 4, 1, 2]);
    expect(member?.values[7]).toEqual([
      'Randomized to Placebo',
      null,
      'Randomized to High Dose',
      null,
      null,
      null,
      'Randomized to Low Dose',
      null,
    ]);
  });
});
