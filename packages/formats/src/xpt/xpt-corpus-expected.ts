/**
 * Expected contents of the Fred Hutch SAS transport test files (`xpt/fredhutch-sas-transport/
 * wellformed/` in the shared data), transcribed from the assertions of that project's
 * SasTransportImporterTest and SasTransportExporterTest (github.com/FredHutch/sas-transport,
 * MIT licence, © 2025 Fred Hutch Cancer Center), which were checked against SAS itself.
 * Where those tests leave a value unstated, the value here was read off the file's bytes by hand
 * and says so.
 *
 * Numbers are in SAS units (dates in days and datetimes in seconds since 1960-01-01), as the
 * Java tests state them; the corpus test converts them. Blank character values are `null`.
 */

export interface Missing {
  missing: string;
}

export type Cell = number | string | null | Missing;

export interface ExpectedMember {
  name: string;
  rows: number;
  columns?: string[];
  /** Row-major. */
  cells?: Cell[][];
  created?: string;
  modified?: string;
}

/** A SAS missing value: `.`, `_` or `A`..`Z`. */
export function M(code: string): Missing {
  return { missing: code };
}

const MISSING_KINDS = ['.', '_', ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];

function missingRows(width: number): Cell[][] {
  return MISSING_KINDS.map((code) => Array.from({ length: width }, () => M(code)));
}

function column(values: Cell[]): Cell[][] {
  return values.map((v) => [v]);
}

function exponents(from: number, to: number, mantissa: string): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => Number(`${mantissa}e${from + i}`));
}

const MIN_IBM = 5.397605346934028e-79;

const SALES: Cell[][] = [
  ['shirts', 'cotton', 2256354, 83952175],
  ['ties', 'silk', 498678, 2349615],
  ['suits', 'silk', 9482146, 69839563],
  ['belts', 'leather', 7693, 14893],
  ['shoes', 'leather', 7936712, 22964],
];

const LONG_TEXT = [0, 32, 64, 96, 128, 160]
  .map((n) => `${String(n).padStart(5, '0')}:ABCDEFGHIJKLMNOPQRSTUVWXYZ`)
  .join('')
  .concat('00192:AB');

/** Windows-1252 for 0x80..0x9F, written out from the code page chart. */
const CP1252_80 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f';
const CP1252_90 = '\u0090‘’“”•–—˜™š›œ\u009džŸ';

function latin1Row(from: number): string {
  return String.fromCharCode(...Array.from({ length: 16 }, (_, i) => from + i));
}

export const EXPECTED: Record<string, ExpectedMember[]> = {
  'minidata.xpt': [{ name: 'MINIDATA', rows: 1, columns: ['NUMBER'], cells: [[M('.')]] }],
  'no_observations.xpt': [{ name: 'REPORT', rows: 0, columns: ['TEXT'] }],
  'no_variables.xpt': [{ name: 'BLANK', rows: 0, columns: [] }],
  'numeric_variations.xpt': [
    {
      name: 'NUMBERS',
      rows: 202,
      columns: ['NUMBER'],
      cells: [
        ...missingRows(1),
        ...column([-10, 0, 10]),
        ...column([5.39760534693411e-79, MIN_IBM, MIN_IBM, MIN_IBM]),
        ...column([-5.39760534693411e-79, -MIN_IBM, -MIN_IBM, -MIN_IBM]),
        ...column([7.23700557733221e75, 7.2370055773322614e75, 7.2370055773322614e75, 7.2370055773322614e75]),
        ...column([-7.23700557733221e75, -7.2370055773322614e75, -7.2370055773322614e75, -7.2370055773322614e75]),
        ...column([MIN_IBM, ...exponents(-78, 75, '1.23')]),
      ],
    },
  ],
  'datetime_variations.xpt': [
    {
      name: 'DATETIME',
      rows: 35,
      columns: ['DATETIME', 'DATE', 'TIME'],
      cells: [
        ...missingRows(3),
        [-1, -1, 86399],
        [0, 0, 0],
        [1, 1, 1],
        [-0.0010000000038417056, -1, 86399.999],
        [0.001, 0, 0.001],
        [-11928470400, -138061, 0],
        [253717747199, 2936547, 0],
      ],
    },
  ],
  'max_variables.xpt': [
    {
      name: 'DATA',
      rows: 2,
      cells: [
        Array.from({ length: 9999 }, (_, i) => `val${i + 1}`),
        Array.from({ length: 9999 }, (_, i) => `r2val${i + 1}`),
      ],
    },
  ],
  'max_length_variable.xpt': [
    {
      name: 'TESTDATA',
      rows: 2,
      columns: ['LONGTEXT', 'NUMBER', 'TEXT'],
      cells: [
        [LONG_TEXT, 12.34, 'ThisIsMoreTextForSecondVar'],
        ['This_is_long_text(butShortOne)', 32, 'LastVal'],
      ],
    },
  ],
  'yearcutoff.xpt': [{ name: 'REPORT', rows: 0, created: '1960-01-01T01:02:03', modified: '1960-01-01T02:03:04' }],
  'yearcutoff_minus_one.xpt': [
    { name: 'REPORT', rows: 0, created: '2059-01-01T01:02:03', modified: '2059-01-01T02:03:04' },
  ],
  'user_defined_format.xpt': [
    {
      name: 'REPORT',
      rows: 4,
      columns: ['ID', 'SEX', 'INCOME', 'SMOKER'],
      cells: [
        ['31ABC', 'M', 45000, 0],
        ['21JKL', 'F', 200000, 1],
        ['382JI', 'F', 131000, 2],
        ['MRX12', 'X', 6000, 3],
      ],
    },
  ],
  // The Java reader maps non-ASCII to U+FFFD; the bytes are 0xB5 (µ in Latin-1/Windows-1252).
  'nonascii_value.xpt': [{ name: 'DATA', rows: 1, columns: ['TEXT'], cells: [['MICROS µµ']] }],
  // Sixteen bytes the Java reader maps to U+FFFD: UTF-8 for the Greek word.
  'utf8.xpt': [{ name: 'DATA', rows: 1, columns: ['TEXT'], cells: [['ελληνικά']] }],
  'variable_nonascii_label.xpt': [{ name: 'TESTDATA', rows: 1, columns: ['TEXT'], cells: [['mydata']] }],
  'dataset_nonascii_type.xpt': [{ name: 'DATA', rows: 1, columns: ['NUMBER'], cells: [[999]] }],
  'binary_character_data.xpt': [
    {
      name: 'TESTDATA',
      rows: 16,
      columns: ['BINARY'],
      cells: column([
        latin1Row(0x00),
        latin1Row(0x10),
        latin1Row(0x20),
        latin1Row(0x30),
        latin1Row(0x40),
        latin1Row(0x50),
        latin1Row(0x60),
        latin1Row(0x70),
        CP1252_80,
        CP1252_90,
        latin1Row(0xa0),
        latin1Row(0xb0),
        latin1Row(0xc0),
        latin1Row(0xd0),
        latin1Row(0xe0),
        latin1Row(0xf0),
      ]),
    },
  ],
  'multiple_datasets.xpt': [
    { name: 'A', rows: 1, columns: ['A1'], cells: [['data-in-dataset-a']] },
    // Read off the bytes: the Java reader stops at the second member.
    { name: 'B', rows: 1, columns: ['B1'], cells: [['data-in-dataset-b']] },
  ],
  'blank_first_dataset.xpt': [
    { name: 'BLANK', rows: 0, columns: ['VAR'] },
    // Read off the bytes (a 20-byte variable holding the first 20 characters).
    { name: 'SECOND', rows: 1, columns: ['B1'], cells: [['data-in-second-datas']] },
  ],
  'reused-data.xpt': [
    {
      name: 'REPORT',
      rows: 5,
      columns: ['ITEMUP', 'ITEM1ST', 'NUMBER', 'DOLLAR'],
      cells: SALES.map(([item, , , profit]) => [
        item as string,
        (item as string).charAt(0),
        profit as number,
        profit as number,
      ]),
    },
  ],
  'openvms.xpt': [{ name: 'REPORT', rows: 5, columns: ['ITEM', 'MATERIAL', 'COST', 'PROFIT'], cells: SALES }],
  'v5_loc2xpt.xpt': [{ name: 'REPORT', rows: 5, columns: ['ITEM', 'MATERIAL', 'COST', 'PROFIT'], cells: SALES }],
  // Version 8: the Java reader refuses it; the names keep their case and the data is the same sales table.
  'v8xport.xpt': [{ name: 'REPORT', rows: 5, columns: ['Item', 'Material', 'Cost', 'Profit'], cells: SALES }],
  'single_blank_record.xpt': [{ name: 'TESTDATA', rows: 1, cells: [[null]] }],
  'missing_values_or_padding.xpt': [{ name: 'TESTDATA', rows: 1, cells: [['TEXT']] }],
  'record_of_missing_values.xpt': [
    { name: 'TESTDATA', rows: 21, cells: column([...Array(10).fill(null), 'TEXT', ...Array(10).fill(null)]) },
  ],
  'record_of_numeric_spaces.xpt': [
    {
      name: 'TESTDATA',
      rows: 21,
      cells: column([...Array(10).fill(3.687825414344431e-40), M('.'), ...Array(10).fill(3.687825414344431e-40)]),
    },
  ],
  'missing_value_spans_last_record_boundary.xpt': [
    { name: 'REPORT', rows: 3, cells: column([null, 'next value spans record boundary', null]) },
  ],
  'two_records_with_blanks.xpt': [
    {
      name: 'REPORT',
      rows: 9,
      cells: column([null, null, null, null, 'Value between records with blanks', null, null, null, null]),
    },
  ],
  'not_missing_at_end_of_record.xpt': [
    { name: 'REPORT', rows: 80, cells: column(['A', ...Array(78).fill(null), 'Z']) },
  ],
  '80_byte_observation.xpt': [
    {
      name: 'REPORT',
      rows: 2,
      cells: column(['This is an observation.  The next observation is missing.  After that is EOF.', null]),
    },
  ],
  '81_byte_observation.xpt': [
    { name: 'REPORT', rows: 1, cells: [['This is an observation. After this value is EOF.']] },
  ],
  // The README says the final record is blank; the third observation's second half is that record.
  '160_byte_observation.xpt': [
    {
      name: 'DATA',
      rows: 3,
      cells: [1, 2, 3].map((n) => [
        `This is TEXT1 in observation #${n}.`,
        n < 3 ? `This is TEXT2 in observation #${n}.` : null,
      ]),
    },
  ],
  '240_byte_observation.xpt': [
    {
      name: 'DATA',
      rows: 3,
      cells: [1, 2, 3].map((n) => [
        `This is TEXT1 in observation #${n}.`,
        `This is TEXT2 in observation #${n}.`,
        n < 3 ? `This is TEXT3 in observation #${n}.` : null,
      ]),
    },
  ],
  'SasTransportExporterTest_smokeTest.xpt': [
    {
      name: 'mydata',
      rows: 4,
      columns: ['VAR01', 'second', 'TEXT'],
      cells: [
        [15.2, 5, 'first row'],
        [0, 10000, 'second row'],
        [-400, 10000, null],
        [M('B'), 10000, 'final row'],
      ],
    },
  ],
  'SasTransportExporterTest_testNumericVariations.xpt': [
    {
      name: 'NUMBERS',
      rows: 195,
      columns: ['NUMBER'],
      cells: [
        // The test's first value (before the listed missing values) is also `.`, read off the bytes.
        [M('.')],
        ...missingRows(1),
        ...column([-10, 0, 10, MIN_IBM, -MIN_IBM]),
        // The exporter's MAX_VALUE constant, read off the bytes (2^249).
        ...column([2 ** 249, -(2 ** 249)]),
        ...column(exponents(-78, 74, '1.23')),
        ...column([12.3, Math.fround(1.23), 127, 32767, 2147483647, 4294967296]),
      ],
    },
  ],
  // Not in the Java assertions; counts cross-checked with pandas.read_sas, values hand-read from the bytes.
  'SasTransportExporterTest_testNumericTruncations.xpt': [{ name: 'NUMBERS', rows: 189 }],
  'SasTransportExporterTest_testDateTimeVariations.xpt': [{ name: 'DATETIME', rows: 47 }],
  'SasTransportExporterTest_testVariableVariations.xpt': [
    { name: 'VARYVARS', rows: 1, columns: ['lowrcase', 'MAXIMUMX', 'A'], cells: [['lower', 'max', 'A']] },
  ],
  'SasTransportExporterTest_testBadNumericValues.xpt': [
    { name: 'DATA', rows: 1, columns: ['NUMBER1', 'NUMBER2'], cells: [[-1, M('Z')]] },
  ],
  'SasTransportExporterTest_testBadCharacterValues.xpt': [
    { name: 'DATA', rows: 1, columns: ['TEXT1', 'TEXT2'], cells: [['0123456789', null]] },
  ],
  'SasTransportExporterTest_testNullValues.xpt': [
    { name: 'DATA', rows: 1, columns: ['NUMBER', 'TEXT'], cells: [[12.3, 'row']] },
  ],
  'SasTransportExporterTest_testMisshapenObservation.xpt': [
    { name: 'DATA', rows: 1, columns: ['TEXT', 'NUMBER'], cells: [['row', 12.3]] },
  ],
  'SasTransportExporterTest_testMinVariables.xpt': [{ name: 'DATA', rows: 0, columns: [] }],
  'numeric_truncations.xpt': [{ name: 'NUMBERS', rows: 185, columns: ['N3', 'N4', 'N5', 'N6', 'N7', 'N8'] }],
};

/**
 * numeric_truncations.xpt: rows 0–27 are the 28 missing kinds, 28–29 the smallest IBM number,
 * row 30 + (k + 78) is 1.2345678901234567e{k} for k = −78..75 stored in 3..8 bytes, and the last
 * row is the largest IBM number. These rows are the Java test's exact values.
 */
export const TRUNCATION_ROWS: Record<number, number[]> = {
  30: [
    1.2344913791522943e-78, 1.2345675630046184e-78, 1.234567888748497e-78, 1.2345678901151887e-78,
    1.2345678901234115e-78, 1.234567890123457e-78,
  ],
  31: [
    1.2344913791522943e-77, 1.2345671512000112e-77, 1.2345678879441912e-77, 1.2345678901183305e-77,
    1.234567890123436e-77, 1.234567890123457e-77,
  ],
  107: [
    1.23443603515625e-1, 1.2345677614212036e-1, 1.2345678894780576e-1, 1.2345678901147039e-1, 1.2345678901234436e-1,
    1.2345678901234569e-1,
  ],
  108: [1.234375, 1.234567642211914, 1.2345678880810738, 1.234567890118342, 1.234567890123401, 1.234567890123457],
  109: [12.34375, 12.345672607421875, 12.345678895711899, 12.345678901183419, 12.34567890123435, 12.34567890123457],
  183: [
    1.2343635306307988e75, 1.234567132148029e75, 1.2345678870265358e75, 1.2345678901200843e75, 1.2345678901234268e75,
    1.2345678901234569e75,
  ],
  184: [
    7.2368951493907136e75, 7.2370051459731155e75, 7.2370055756472655e75, 7.23700557732568e75, 7.2370055773322365e75,
    7.237005577332262e75,
  ],
};
