import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TextDecoder } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { hasSharedData, sharedData } from '../test-support.ts';
import { tryVariants } from './fuzz-variants.ts';
import type { Sas7bdatReadOptions } from './read-sas7bdat.ts';
import {
  type CellCheck,
  isoCell,
  missingKindCell,
  parseCsv,
  parsoCell,
  parsoMetaMismatches,
  rawSasNumberCell,
  readDataset,
} from './reference-check.ts';
import { VALUE_LABELS_METADATA_KEY } from './value-labels.ts';

/**
 * Every SAS7BDAT file of the shared real-data corpus (`../shared/data/sas7bdat` beside the repo):
 * files with expected values are compared cell by cell, the others must read — except the known
 * malformed ones, which must be rejected with a FormatError.
 */
const CORPUS = sharedData('sas7bdat');
const HAS_CORPUS = hasSharedData('the SAS7BDAT corpus tests', 'sas7bdat');

/** Files that are broken on purpose: each must fail with a FormatError, never another error. */
const MALFORMED: Record<string, RegExp> = {
  'fredhutch/malformed_missing_column_type.sas7bdat': /lacks the description of its .*column types/,
  'readstat-rs/malformed_utf8.sas7bdat': /not valid utf-8/,
  // parso's bug reports: a header whose lengths point past the end of the file.
  'parso/bugs/invalid_lengths.sas7bdat': /truncated/,
  'parso/bugs/sas_infinite_loop.sas7bdat': /impossible header size/,
};

interface ReferenceCase {
  file: string;
  csv: string;
  check: CellCheck;
  options?: Sas7bdatReadOptions;
  /** parso's column description CSV. */
  meta?: string;
  /** Columns whose CSV holds value labels (from `options.catalog`), not values. */
  labelled?: boolean;
}

function referenceCases(): ReferenceCase[] {
  const cases: ReferenceCase[] = [];
  for (let n = 1; n <= 21; n++) {
    cases.push({
      file: `kshedden-datareader/test${n}.sas7bdat`,
      csv: `kshedden-datareader/ref/test${n}.csv`,
      check: isoCell,
      // test16–21 hold UTF-8 text but declare Latin-1 / Windows-1252 (written from a Latin-1 session).
      options: n >= 16 ? { encoding: 'utf-8' } : {},
    });
  }
  for (const csv of readdirSync(path.join(CORPUS, 'parso/csv')).sort()) {
    if (!csv.endsWith('.csv') || csv.endsWith('_meta.csv')) continue;
    const stem = csv.replace(/\.csv$/, '');
    cases.push({
      file: `parso/${stem}.sas7bdat`,
      csv: `parso/csv/${csv}`,
      meta: `parso/csv/${stem}_meta.csv`,
      check: parsoCell,
    });
  }
  const pyreadstat = 'pyreadstat';
  cases.push(
    { file: `${pyreadstat}/basic/sample.sas7bdat`, csv: `${pyreadstat}/basic/sample.csv`, check: isoCell },
    {
      file: `${pyreadstat}/basic/sample_bincompressed.sas7bdat`,
      csv: `${pyreadstat}/basic/sample.csv`,
      check: isoCell,
    },
    {
      file: `${pyreadstat}/basic/sample.sas7bdat`,
      csv: `${pyreadstat}/basic/sample_nodate_sas_stata.csv`,
      check: rawSasNumberCell,
    },
    { file: `${pyreadstat}/basic/dates.sas7bdat`, csv: `${pyreadstat}/basic/dates.csv`, check: isoCell },
    {
      file: `${pyreadstat}/missing_data/missing_test.sas7bdat`,
      csv: `${pyreadstat}/missing_data/missing_sas_formatted.csv`,
      check: missingKindCell,
    },
    {
      file: `${pyreadstat}/missing_data/missing_test.sas7bdat`,
      csv: `${pyreadstat}/missing_data/missing_sas_labeled.csv`,
      check: missingKindCell,
      options: { catalog: path.join(CORPUS, `${pyreadstat}/missing_data/missing_formats.sas7bcat`) },
      labelled: true,
    },
  );
  for (const os of ['linux', 'win']) {
    cases.push({
      file: `${pyreadstat}/sas_catalog/test_data_${os}.sas7bdat`,
      csv: `${pyreadstat}/sas_catalog/sas_formatted.csv`,
      check: isoCell,
      options: { catalog: path.join(CORPUS, `${pyreadstat}/sas_catalog/test_formats_${os}.sas7bcat`) },
      labelled: true,
    });
  }
  return cases;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return allFiles(full);
    return entry.endsWith('.sas7bdat') ? [path.relative(CORPUS, full)] : [];
  });
}

/** The label a CSV shows for a value: catalog keys are the raw value as text, or `.A` for special missing values. */
function labelOf(
  labels: Record<string, string> | undefined,
  value: number | string | null,
  kind: number,
): string | undefined {
  if (!labels) return undefined;
  if (kind !== 0) return labels[kind === 46 ? '.' : `.${String.fromCharCode(kind)}`];
  return value === null ? undefined : labels[String(value)];
}

const PYTHON = '/usr/bin/python3';

type PandasResult = { values: (number | string | null)[][] } | { error: string };

/**
 * pandas' reading of files that have no reference values: raw SAS numbers (no date conversion)
 * and text as bytes (hex), trimmed like pandas trims. Undefined when pandas is not installed.
 */
function readWithPandas(files: string[]): Record<string, PandasResult> | undefined {
  if (!existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import pandas']).status !== 0) return undefined;
  const script = [
    'import sys, json, math',
    'from pandas.io.sas.sas7bdat import SAS7BDATReader',
    'out = {}',
    'for name in sys.argv[2:]:',
    '    try:',
    '        reader = SAS7BDATReader(sys.argv[1] + "/" + name, convert_dates=False, blank_missing=False)',
    '        df = reader.read()',
    '        reader.close()',
    '        cell = lambda v: v.hex() if isinstance(v, bytes) else (None if v is None or (isinstance(v, float) and math.isnan(v)) else v)',
    '        out[name] = {"values": [[cell(v) for v in df[c].tolist()] for c in df.columns]}',
    '    except Exception as e:',
    '        out[name] = {"error": type(e).__name__ + ": " + str(e)[:80]}',
    'print(json.dumps(out))',
  ].join('\n');
  const result = spawnSync(PYTHON, ['-c', script, CORPUS, ...files], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`pandas cross-check failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/**
 * Our values against pandas': numbers as raw SAS values (dates whole days, as this package keeps
 * them), text from pandas' bytes decoded with the encoding the file declares; blank equals null.
 */
function compareWithPandas(
  dataset: Awaited<ReturnType<typeof readDataset>>,
  theirs: (number | string | null)[][],
): { cells: number; mismatches: string[] } {
  const label = { 'iso-8859-1': 'windows-1252', 'us-ascii': 'windows-1252' }[dataset.info.encoding ?? ''];
  const decoder = new TextDecoder(label ?? dataset.info.encoding ?? 'windows-1252');
  const mismatches: string[] = [];
  let cells = 0;
  dataset.info.columns.forEach((column, c) => {
    for (let r = 0; r < dataset.rows; r++) {
      const ours = dataset.columns[c]?.[r] ?? null;
      const raw = theirs[c]?.[r] ?? null;
      let same: boolean;
      if (column.type === 'string') {
        const text = raw === null ? null : decoder.decode(Buffer.from(String(raw), 'hex')) || null;
        same = ours === text;
      } else if (raw === null || ours === null || Number.isNaN(ours)) {
        same = raw === null && (ours === null || Number.isNaN(ours));
      } else {
        const value = Number(raw);
        const expected =
          column.type === 'date'
            ? Math.floor(value) - 3653
            : column.type === 'datetime'
              ? (value - 3653 * 86_400) * 1000
              : value;
        same = ours === expected;
      }
      cells++;
      if (!same && mismatches.length < 10)
        mismatches.push(`row ${r + 1} ${column.name}: ${String(ours)} vs pandas ${String(raw)}`);
    }
  });
  return { cells, mismatches };
}

describe.skipIf(!HAS_CORPUS)('SAS7BDAT corpus', () => {
  const coverage = {
    files: new Set<string>(),
    cells: 0,
    metadataFields: 0,
    rejected: [] as string[],
    pandasFiles: 0,
    pandasCells: 0,
    pandasFailed: [] as string[],
  };
  afterAll(() => {
    console.info(
      `SAS7BDAT corpus: ${coverage.files.size} files read, ${coverage.cells.toLocaleString('en-US')} cells and ${coverage.metadataFields} column descriptions compared with reference files, ${coverage.rejected.length} malformed files rejected (${coverage.rejected.join(', ')}); ${coverage.pandasFiles} files without references cross-checked with pandas (${coverage.pandasCells.toLocaleString('en-US')} cells), pandas could not read ${coverage.pandasFailed.join(', ') || 'none'}`,
    );
  });

  const cases = HAS_CORPUS ? referenceCases() : [];
  it.each(cases.map((c) => [`${c.file} ↔ ${path.basename(c.csv)}`, c] as const))('%s', async (_, reference) => {
    const dataset = await readDataset(path.join(CORPUS, reference.file), reference.options);
    const [header = [], ...rows] = parseCsv(path.join(CORPUS, reference.csv)).filter((r) => r.some((cell) => cell));
    const names = dataset.info.columns.map((c) => c.name);
    // parso's CSV writer garbles some non-Latin column names (U+FFFD); its _meta.csv has them right.
    if (!header.some((h) => h.includes('\uFFFD')))
      expect(header.map((h) => h.trim())).toEqual(names.slice(0, header.length));
    expect(dataset.rows).toBe(rows.length);
    const labels: Record<string, Record<string, string>> = reference.labelled
      ? JSON.parse(dataset.info.metadata?.[VALUE_LABELS_METADATA_KEY] ?? '{}')
      : {};
    const mismatches: string[] = [];
    let cells = 0;
    rows.forEach((row, r) => {
      header.forEach((_name, c) => {
        const column = dataset.info.columns[c];
        if (!column) return;
        const value = dataset.columns[c]?.[r] ?? null;
        const kind = dataset.missing[c]?.[r] ?? 0;
        const cell = row[c] ?? '';
        const label = reference.labelled ? labelOf(labels[column.name], value, kind) : undefined;
        const problem =
          label !== undefined ? (label === cell ? undefined : cell) : reference.check(value, cell, column, kind);
        cells++;
        if (problem !== undefined && mismatches.length < 10) {
          mismatches.push(`row ${r + 1} ${column.name}: read ${String(value)}, expected ${problem}`);
        }
      });
    });
    if (reference.meta) {
      const problems = parsoMetaMismatches(dataset.info, dataset.rows, parseCsv(path.join(CORPUS, reference.meta)));
      mismatches.push(...problems);
      coverage.metadataFields += dataset.info.columns.length;
    }
    expect(mismatches).toEqual([]);
    coverage.files.add(reference.file);
    coverage.cells += cells;
  });

  const checked = new Set(cases.map((c) => c.file));
  const others = HAS_CORPUS
    ? allFiles(CORPUS)
        .filter((f) => !checked.has(f))
        .sort()
    : [];
  const pandas = HAS_CORPUS ? readWithPandas(others.filter((f) => !MALFORMED[f])) : undefined;
  if (HAS_CORPUS && !pandas) console.warn(`pandas cross-check skipped: ${PYTHON} with pandas is not available`);
  it.each(others)('%s reads (and agrees with pandas), or is rejected when malformed', async (file) => {
    const expected = MALFORMED[file];
    if (!expected) {
      const dataset = await readDataset(path.join(CORPUS, file));
      expect(dataset.rows).toBe(dataset.info.declaredRows);
      coverage.files.add(file);
      const theirs = pandas?.[file];
      if (theirs && 'values' in theirs) {
        const { cells, mismatches } = compareWithPandas(dataset, theirs.values);
        expect(mismatches).toEqual([]);
        coverage.pandasCells += cells;
        coverage.pandasFiles++;
      } else if (theirs) {
        coverage.pandasFailed.push(`${path.basename(file)} (${theirs.error})`);
      }
      return;
    }
    const error = await readDataset(path.join(CORPUS, file)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(expected);
    expect((error as FormatError).message).toContain(path.basename(file));
    coverage.rejected.push(path.basename(file));
  });
});

/** Files whose structure the fixtures do not cover: an AMD page, a 167-page RLE file, RDC on 32-bit, many columns. */
const FUZZED = [
  'parso/bugs/54-class.sas7bdat',
  'parso/mix_data_misc.sas7bdat',
  'kshedden-datareader/test3.sas7bdat',
  'readstat-rs/all_dates.sas7bdat',
  'haven/tagged-na.sas7bcat',
];

describe.skipIf(!HAS_CORPUS)('SAS7BDAT corpus: truncated and corrupted variants', () => {
  it.each(FUZZED.map((file, i) => [file, i] as const))(
    '%s: every variant reads completely or fails with a FormatError',
    async (file, index) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'sas7bdat-corpus-fuzz-'));
      try {
        const original = readFileSync(path.join(CORPUS, file));
        const target = path.join(dir, `variant${path.extname(file)}`);
        const { counts, failures } = await tryVariants(original, 2000 + index, 100, target);
        console.info(`${file}: ${counts.complete} variants read completely, ${counts.rejected} rejected`);
        expect(failures).toEqual([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});

/**
 * The conversion reads text as UTF-8 bytes (`textAsBytes`), trimmed and checked column by column
 * over runs of rows; the cell-by-cell checks above read strings. Both must give the same cells on
 * every readable file, here with batches of 7 rows so runs split at batch ends inside pages.
 */
describe.skipIf(!HAS_CORPUS)('SAS7BDAT corpus: text as bytes, small batches', () => {
  const readable = HAS_CORPUS
    ? allFiles(CORPUS)
        .filter((f) => f.endsWith('.sas7bdat') && !MALFORMED[f])
        .sort()
    : [];
  const optionsOf = new Map(HAS_CORPUS ? referenceCases().map((c) => [c.file, c.options ?? {}]) : []);
  it('reads the same cells as strings', async () => {
    expect(readable.length).toBeGreaterThan(100);
    const differing: string[] = [];
    for (const file of readable) {
      const options = optionsOf.get(file) ?? {};
      const strings = await readDataset(path.join(CORPUS, file), options);
      const bytes = await readDataset(path.join(CORPUS, file), { ...options, textAsBytes: true, batchSize: 7 });
      if (JSON.stringify(bytes.columns) !== JSON.stringify(strings.columns)) differing.push(file);
      else if (JSON.stringify(bytes.missing) !== JSON.stringify(strings.missing))
        differing.push(`${file} (missing kinds)`);
    }
    expect(differing).toEqual([]);
  });
});
