import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { hasSharedData, sharedData } from '../test-support.ts';
import type { ColumnInfo } from '../types.ts';
import { readXpt } from './read-xpt.ts';
import { type Cell, EXPECTED, type ExpectedMember, TRUNCATION_ROWS } from './xpt-corpus-expected.ts';
import { type ReadMember, readAll } from './xpt-test-support.ts';

/**
 * The reader against real files nobody on this project wrote (../shared/data, see its README):
 * every cell compared with values stated by an independent source, every damaged file rejected.
 */

const DATA = sharedData();
const FREDHUTCH = sharedData('xpt', 'fredhutch-sas-transport');
const PILOT = sharedData('cdiscpilot01');
const hasData = hasSharedData('the xpt corpus tests');

const PER_FILE_MS = 10_000;
const SAS_EPOCH_DAYS = 3653;
const SAS_EPOCH_SECONDS = SAS_EPOCH_DAYS * 86_400;

const tally = { files: 0, cells: 0, rejected: 0 };
afterAll(() => {
  if (hasData)
    console.info(
      `xpt corpus: ${tally.files} files read, ${tally.cells} cells compared, ${tally.rejected} damaged files rejected`,
    );
});

/** Fails instead of waiting forever: a reader that hangs is as broken as one that crashes. */
async function withinTime<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${PER_FILE_MS} ms`)), PER_FILE_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function xptFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xpt'))
    .sort();
}

/** The value in this package's units for a number the sources state in SAS units. */
function fromSasUnits(value: number, column: ColumnInfo): number {
  if (column.type === 'date') return Math.floor(value) - SAS_EPOCH_DAYS;
  if (column.type === 'datetime') return (value - SAS_EPOCH_SECONDS) * 1000;
  return value;
}

function toSasUnits(value: number, column: ColumnInfo): number {
  if (column.type === 'date') return value + SAS_EPOCH_DAYS;
  if (column.type === 'datetime') return value / 1000 + SAS_EPOCH_SECONDS;
  return value;
}

function closeTo(actual: number, expected: number, relative = 1e-9): boolean {
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= relative * Math.max(Math.abs(expected), Number.MIN_VALUE);
}

/** Compares one cell; returns a description of the difference, or undefined. */
function cellDifference(expected: Cell, column: ColumnInfo, actual: unknown, missingCode: number): string | undefined {
  tally.cells++;
  if (expected !== null && typeof expected === 'object') {
    const ok = Number.isNaN(actual) && missingCode === expected.missing.charCodeAt(0);
    return ok ? undefined : `expected .${expected.missing}, got ${String(actual)} (code ${missingCode})`;
  }
  if (typeof expected === 'number') {
    if (typeof actual !== 'number' || missingCode !== 0) return `expected ${expected}, got ${String(actual)}`;
    const want = fromSasUnits(expected, column);
    // Dates are whole days and datetimes exact conversions: no tolerance for them.
    const ok = column.type === 'date' || column.type === 'datetime' ? actual === want : closeTo(actual, want);
    return ok ? undefined : `expected ${want}, got ${actual}`;
  }
  // SAS has no empty string apart from a blank (missing) one.
  const want = expected === '' ? null : expected;
  return actual === want ? undefined : `expected ${JSON.stringify(want)}, got ${JSON.stringify(actual)}`;
}

function compareMember(member: ReadMember, expected: ExpectedMember, where: string): void {
  expect(member.info.name, where).toBe(expected.name);
  expect(member.rows, `${where} rows`).toBe(expected.rows);
  if (expected.columns)
    expect(
      member.info.columns.map((c) => c.name),
      `${where} columns`,
    ).toEqual(expected.columns);
  if (expected.created) expect(member.info.metadata?.['sas.created']).toBe(expected.created);
  if (expected.modified) expect(member.info.metadata?.['sas.modified']).toBe(expected.modified);
  if (!expected.cells) return;
  expect(expected.cells.length, `${where}: the expectation has ${expected.cells.length} rows`).toBe(expected.rows);
  const differences: string[] = [];
  expected.cells.forEach((row, r) => {
    row.forEach((cell, c) => {
      const column = member.info.columns[c] as ColumnInfo;
      const difference = cellDifference(cell, column, member.values[c]?.[r], member.missing[c]?.[r] ?? 0);
      if (difference) differences.push(`row ${r + 1}, ${column.name}: ${difference}`);
    });
  });
  expect(differences.slice(0, 10), where).toEqual([]);
}

describe.skipIf(!hasData)('SAS transport corpus', () => {
  describe('Fred Hutch well-formed files', () => {
    const dir = path.join(FREDHUTCH, 'wellformed');
    const files = hasData ? xptFiles(dir) : [];

    it('has an expectation for every file', () => {
      expect(files.filter((f) => f !== 'cport.xpt' && !EXPECTED[f])).toEqual([]);
    });

    it.each(files.filter((f) => f !== 'cport.xpt'))('%s reads as expected', async (name) => {
      const members = await withinTime(readAll(path.join(dir, name)), name);
      tally.files++;
      const expected = EXPECTED[name] ?? [];
      expect(members.map((m) => m.info.name)).toEqual(expected.map((m) => m.name));
      members.forEach((member, i) => {
        compareMember(member, expected[i] as ExpectedMember, `${name} ${member.info.name}`);
      });
    });

    it('cport.xpt (PROC CPORT, a different format) is refused with a way out', async () => {
      const error = await withinTime(
        readAll(path.join(dir, 'cport.xpt')).catch((e: unknown) => e),
        'cport.xpt',
      );
      expect(error).toBeInstanceOf(FormatError);
      expect((error as FormatError).message).toMatch(/^cport\.xpt, byte 0: this is a SAS CPORT file .* XPORT engine/);
    });

    it('numeric_truncations.xpt: every value within the precision its byte count keeps', async () => {
      const [member] = await readAll(path.join(dir, 'numeric_truncations.xpt'));
      expect(member?.rows).toBe(185);
      const kinds = ['.', '_', ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
      const differences: string[] = [];
      member?.values.forEach((values, c) => {
        const bytes = c + 3;
        // Truncation keeps 2·(bytes − 1) hex digits of the fraction.
        const tolerance = 2 * 16 ** (3 - 2 * bytes) + 1e-15;
        values.forEach((value, r) => {
          tally.cells++;
          const code = member.missing[c]?.[r] ?? 0;
          let ok: boolean;
          if (r < 28) ok = Number.isNaN(value) && code === (kinds[r] as string).charCodeAt(0);
          else if (r < 30) ok = value === 5.397605346934028e-79;
          else if (TRUNCATION_ROWS[r]) ok = closeTo(value as number, TRUNCATION_ROWS[r]?.[c] as number);
          else if (r < 184) ok = closeTo(value as number, Number(`1.2345678901234567e${r - 30 - 78}`), tolerance);
          else ok = closeTo(value as number, 7.237005577332262e75, tolerance);
          if (!ok) differences.push(`row ${r + 1}, N${bytes}: ${String(value)}`);
        });
      });
      expect(differences).toEqual([]);
    });
  });

  describe('Fred Hutch damaged files', () => {
    const dir = path.join(FREDHUTCH, 'malformed');
    const files = hasData ? xptFiles(dir) : [];

    it.each(files)('%s is rejected with a FormatError saying where', async (name) => {
      let completed = 0;
      const outcome = await withinTime(
        (async () => {
          for await (const dataset of readXpt(path.join(dir, name))) {
            for await (const _batch of dataset.batches()) {
              // Rows before the damage may arrive; the dataset must never end normally.
            }
            completed++;
          }
        })().then(
          () => undefined,
          (error: unknown) => error,
        ),
        name,
      );
      expect(outcome).toBeInstanceOf(FormatError);
      expect((outcome as FormatError).message.startsWith(`${name}, `)).toBe(true);
      expect(completed).toBe(0);
      tally.rejected++;
    });
  });

  describe('pyreadstat files', () => {
    it('sample.xpt matches the CSV pyreadstat checks it against, cell by cell', async () => {
      const [member] = await readAll(path.join(DATA, 'xpt/pyreadstat/sample.xpt'));
      tally.files++;
      const csv = readFileSync(path.join(DATA, 'sas7bdat/pyreadstat/basic/sample.csv'), 'utf8').replace(/^\uFEFF/, '');
      const [header, ...lines] = csv.trim().split(/\r?\n/);
      const names = (header as string).split(',');
      expect(member?.info.columns.map((c) => c.name.toLowerCase())).toEqual(names);
      expect(member?.rows).toBe(lines.length);
      const differences: string[] = [];
      lines.forEach((line, r) => {
        line.split(',').forEach((text, c) => {
          tally.cells++;
          const column = member?.info.columns[c] as ColumnInfo;
          const actual = member?.values[c]?.[r];
          if (text === '') {
            if (!(Number.isNaN(actual) || actual === null))
              differences.push(`${column.name} row ${r + 1}: ${String(actual)}`);
            return;
          }
          const expected = csvValue(text, column);
          const ok = typeof expected === 'number' ? closeTo(actual as number, expected) : actual === expected;
          if (!ok) differences.push(`${column.name} row ${r + 1}: expected ${expected}, got ${String(actual)}`);
        });
      });
      expect(differences).toEqual([]);
    });

    it('dates_xpt_v8.xpt (version 8): each date, datetime and time agrees with the text written beside it', async () => {
      const [member] = await readAll(path.join(DATA, 'xpt/pyreadstat/dates_xpt_v8.xpt'));
      tally.files++;
      expect(member?.info.declaredRows).toBe(member?.rows);
      expect(member?.info.columns.find((c) => c.name === 'dt')?.label).toBe(
        'a very long label for testing accuracy of transformations',
      );
      const column = (name: string) => member?.values[member.info.columns.findIndex((c) => c.name === name)] ?? [];
      const differences: string[] = [];
      for (let r = 0; r < (member?.rows ?? 0); r++) {
        const pairs: [unknown, unknown, (text: string) => number][] = [
          [column('dt')[r], column('string_dt')[r], (t) => Date.parse(`${t.replace(' ', 'T')}Z`)],
          [column('dates')[r], column('string_dates')[r], (t) => Date.parse(`${t}T00:00:00Z`) / 86_400_000],
          [
            column('times')[r],
            column('string_times')[r],
            (t) => t.split(':').reduce((s, part) => s * 60 + Number(part), 0),
          ],
        ];
        for (const [value, text, parse] of pairs) {
          tally.cells += 2;
          const ok = text === null ? Number.isNaN(value) : value === parse(text as string);
          if (!ok) differences.push(`row ${r + 1}: ${String(value)} vs ${String(text)}`);
        }
      }
      expect(differences).toEqual([]);
    });
  });

  describe('CDISC pilot study (CDISCPILOT01)', () => {
    for (const folder of ['sdtm-original', 'adam-original', 'adam-tdf']) {
      const dir = path.join(PILOT, folder);
      const files = hasData ? xptFiles(dir) : [];
      it.each(files)(`${folder}/%s has the rows, variables, labels and lengths define.xml gives`, async (name) => {
        const [member, ...rest] = await withinTime(readAll(path.join(dir, name)), name);
        tally.files++;
        expect(rest).toEqual([]);
        expect(member?.rows).toBe(PILOT_ROWS[`${folder}/${name}`]);
        const define = readDefine(path.join(dir, 'define.xml'));
        const group = define.get(member?.info.name ?? '') ?? define.get(name.replace('.xpt', '').toUpperCase());
        expect(group, `define.xml describes ${name}`).toBeDefined();
        // The pilot files carry no dataset label; when one is present it must be define.xml's.
        if (member?.info.label) expect(member.info.label).toBe(group?.label);
        expect(member?.info.columns.map((c) => c.name)).toEqual(group?.items.map((i) => i.name));
        const mismatches: string[] = [];
        member?.info.columns.forEach((c, i) => {
          const item = group?.items[i];
          if ((c.label ?? '') !== (item?.label ?? '')) mismatches.push(`${c.name} label`);
          if ((c.type === 'string') !== !NUMERIC_DATA_TYPES.has(item?.dataType ?? ''))
            mismatches.push(`${c.name} type`);
          if (c.type === 'string' && c.length !== item?.length) mismatches.push(`${c.name} length`);
        });
        expect(mismatches).toEqual(DEFINE_DISCREPANCIES[`${folder}/${name}`] ?? []);
      });
    }
  });

  describe('pandas cross-check', () => {
    const python = '/usr/bin/python3';
    const hasPandas = hasData && canImportPandas(python);
    if (hasData && !hasPandas) console.warn('pandas cross-check skipped: /usr/bin/python3 cannot import pandas');
    const files = hasData
      ? [
          ...['sdtm-original', 'adam-original', 'adam-tdf'].flatMap((f) =>
            xptFiles(path.join(PILOT, f)).map((x) => path.join(PILOT, f, x)),
          ),
          path.join(DATA, 'xpt/pyreadstat/sample.xpt'),
          path.join(FREDHUTCH, 'wellformed/max_variables.xpt'),
          path.join(FREDHUTCH, 'wellformed/openvms.xpt'),
        ]
      : [];

    it.skipIf(!hasPandas)(
      'every cell of the pilot study agrees with pandas.read_sas',
      async () => {
        const dumped = JSON.parse(
          execFileSync(python, ['-c', PANDAS_DUMP, ...files], { maxBuffer: 1 << 30, encoding: 'utf8' }),
        ) as { columns: string[]; values: (number | string | null)[][] }[];
        const differences: string[] = [];
        for (const [i, file] of files.entries()) {
          const [member] = await readAll(file);
          const theirs = dumped[i];
          expect(member?.info.columns.map((c) => c.name)).toEqual(theirs?.columns);
          expect(member?.rows).toBe(theirs?.values[0]?.length ?? 0);
          member?.info.columns.forEach((column, c) => {
            const ours = member.values[c] ?? [];
            theirs?.values[c]?.forEach((value, r) => {
              tally.cells++;
              const actual = ours[r];
              let ok: boolean;
              if (value === null) ok = actual === null || Number.isNaN(actual);
              else if (typeof value === 'number') ok = closeTo(toSasUnits(actual as number, column), value);
              else ok = actual === value;
              if (!ok && differences.length < 10) {
                differences.push(`${path.basename(file)} ${column.name} row ${r + 1}: ${String(actual)} vs ${value}`);
              }
            });
          });
        }
        expect(differences).toEqual([]);
      },
      // pandas reads every pilot file (about a minute alone); two test files share 2 cores.
      300_000,
    );
  });
});

function csvValue(text: string, column: ColumnInfo): number | string {
  switch (column.type) {
    case 'string':
      return text;
    case 'date':
      return Date.parse(`${text}T00:00:00Z`) / 86_400_000;
    case 'datetime':
      return Date.parse(`${text.slice(0, 23)}Z`);
    case 'time':
      return text.split(':').reduce((s, part) => s * 60 + Number(part), 0);
    default:
      return Number(text);
  }
}

/** Row counts: DM and ADSL as the study documents; the rest as pandas.read_sas 1.5.3 counts them. */
const PILOT_ROWS: Record<string, number> = {
  'sdtm-original/ae.xpt': 1191,
  'sdtm-original/cm.xpt': 7510,
  'sdtm-original/dm.xpt': 306,
  'sdtm-original/ds.xpt': 596,
  'sdtm-original/ex.xpt': 591,
  'sdtm-original/mh.xpt': 1818,
  'sdtm-original/relrec.xpt': 234,
  'sdtm-original/sc.xpt': 254,
  'sdtm-original/se.xpt': 752,
  'sdtm-original/suppae.xpt': 1191,
  'sdtm-original/suppdm.xpt': 1197,
  'sdtm-original/suppds.xpt': 3,
  'sdtm-original/sv.xpt': 3559,
  'sdtm-original/ta.xpt': 8,
  'sdtm-original/te.xpt': 7,
  'sdtm-original/ti.xpt': 31,
  'sdtm-original/ts.xpt': 33,
  'sdtm-original/tv.xpt': 21,
  'adam-original/adae.xpt': 1191,
  'adam-original/adqscibc.xpt': 730,
  'adam-original/adsl.xpt': 254,
  'adam-original/adtte.xpt': 254,
  'adam-tdf/adae.xpt': 1191,
  'adam-tdf/adcibc.xpt': 730,
  'adam-tdf/adlbhy.xpt': 9954,
  'adam-tdf/adsl.xpt': 254,
  'adam-tdf/adtte.xpt': 254,
};

/**
 * Where the Test Data Factory's data and its define.xml disagree (the data are as published):
 * define.xml gives maximum lengths its R writer did not keep, and one label differs.
 */
const DEFINE_DISCREPANCIES: Record<string, string[]> = {
  'adam-tdf/adcibc.xpt': ['ANL01FL label'],
  'adam-tdf/adlbhy.xpt': [
    'DSRAEFL length',
    'AVISIT length',
    'VISIT length',
    'PARAM length',
    'PARAMCD length',
    'ABLFL length',
    'CRIT1FL length',
  ],
  'adam-tdf/adtte.xpt': ['PARAM length', 'PARAMCD length'],
};

/** define.xml DataTypes stored as SAS numbers; ISO 8601 `date`/`datetime` are text in SDTM. */
const NUMERIC_DATA_TYPES = new Set(['integer', 'float', 'double']);

interface DefineGroup {
  label: string | undefined;
  items: { name: string; label: string | undefined; dataType: string; length: number }[];
}

/** The parts of a define.xml (1.0 or 2.0) the test needs, read with regular expressions. */
function readDefine(file: string): Map<string, DefineGroup> {
  const xml = readFileSync(file, 'utf8');
  const decode = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const attributes = (s: string) =>
    Object.fromEntries([...s.matchAll(/([\w:]+)="([^"]*)"/g)].map((m) => [m[1], decode(m[2] as string)])) as Record<
      string,
      string | undefined
    >;
  const description = (body: string) => {
    const match = /<Description>\s*<TranslatedText[^>]*>([\s\S]*?)<\/TranslatedText>/.exec(body);
    return match ? decode((match[1] as string).trim()) : undefined;
  };
  const items = new Map<string, DefineGroup['items'][number]>();
  for (const m of xml.matchAll(/<ItemDef\b([^>]*?)(?:\/>|>([\s\S]*?)<\/ItemDef>)/g)) {
    const a = attributes(m[1] as string);
    items.set(a.OID ?? '', {
      name: a.Name ?? '',
      label: a['def:Label'] ?? description(m[2] ?? ''),
      dataType: a.DataType ?? '',
      length: Number(a.Length),
    });
  }
  const groups = new Map<string, DefineGroup>();
  for (const m of xml.matchAll(/<ItemGroupDef\b([^>]*)>([\s\S]*?)<\/ItemGroupDef>/g)) {
    const a = attributes(m[1] as string);
    const body = m[2] as string;
    const refs = [...body.matchAll(/<ItemRef\b([^>]*?)\/?>/g)]
      .map((r) => attributes(r[1] as string))
      .sort((x, y) => Number(x.OrderNumber) - Number(y.OrderNumber));
    groups.set(a.Name ?? '', {
      label: a['def:Label'] ?? description(body.split('<ItemRef')[0] as string),
      items: refs.map((r) => items.get(r.ItemOID ?? '') ?? { name: '?', label: undefined, dataType: '', length: 0 }),
    });
  }
  return groups;
}

function canImportPandas(python: string): boolean {
  try {
    execFileSync(python, ['-c', 'import pandas'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Dumps each file as pandas reads it: numbers as SAS stores them (pandas does not convert dates
 * in transport files), text decoded like the reader does (UTF-8 when valid, else Windows-1252).
 * pandas 1.5 decodes a stored 0 as 16^-65, the smallest IBM number: that is turned back into 0.
 */
const PANDAS_DUMP = `
import json, math, sys, warnings
import pandas as pd
warnings.simplefilter('ignore')
def text(b):
    if b is None or (isinstance(b, float) and math.isnan(b)): return None
    try: s = b.decode('utf-8')
    except UnicodeDecodeError: s = b.decode('cp1252', errors='replace')
    s = s.rstrip(' ')
    return s or None
def number(v):
    if v is None or math.isnan(v): return None
    return 0.0 if abs(v) <= 5.397605346934028e-79 else float(v)
out = []
for f in sys.argv[1:]:
    df = pd.read_sas(f, format='xport')
    values = []
    for c in df.columns:
        col = df[c]
        values.append([text(v) for v in col] if col.dtype == object else [number(v) for v in col])
    out.append({'columns': list(df.columns), 'values': values})
print(json.dumps(out))
`;
