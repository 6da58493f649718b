import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type DatasetReader, writeParquet, writeXpt } from '@cdp/formats';
import { DEFAULT_SEED, generateDemoStudy } from '../demo/generate-study.ts';
import { writeDatasetCsv } from '../lib/csv.ts';

export const DEMO_USAGE = `Usage: cdp demo generate --out DIR [options]

Writes a synthetic SDTM study (DM, DS, SV, EX, AE, LB, VS; three arms, screen failures,
discontinuations, Hy's-law cases in LB), one file per dataset. Same options, same bytes.

Options:
  --out DIR            folder to write into (created if missing)      required
  --subjects N         screened subjects, screen failures included     default 300
  --sites N            investigational sites                           default 12
  --format F           xpt (SAS transport v5) | parquet | csv           default xpt
  --seed N             random seed                                      default ${DEFAULT_SEED}
  --lab-visits N       scheduled visits with a full lab panel (4-60)    default 9
  --study-id ID        STUDYID value                                    default CDP-301`;

const FORMATS = ['xpt', 'parquet', 'csv'] as const;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number above 0 (got "${value}").`);
  return n;
}

/** `cdp demo generate ...`: prints what it wrote; throws with a message fit for the console. */
export async function demoGenerate(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      subjects: { type: 'string' },
      sites: { type: 'string' },
      format: { type: 'string' },
      seed: { type: 'string' },
      'lab-visits': { type: 'string' },
      'study-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'generate') {
    console.log(DEMO_USAGE);
    if (!values.help) process.exitCode = 2;
    return;
  }
  if (!values.out) throw new Error(`--out is required.\n\n${DEMO_USAGE}`);
  const format = (values.format ?? 'xpt') as (typeof FORMATS)[number];
  if (!FORMATS.includes(format))
    throw new Error(`--format must be one of ${FORMATS.join(', ')} (got "${values.format}").`);
  const readers = generateDemoStudy({
    subjects: positiveInt('subjects', values.subjects, 300),
    sites: positiveInt('sites', values.sites, 12),
    seed: positiveInt('seed', values.seed, DEFAULT_SEED),
    labVisits: positiveInt('lab-visits', values['lab-visits'], 9),
    studyId: values['study-id'],
  });
  const out = path.resolve(values.out);
  await mkdir(out, { recursive: true });
  for (const reader of readers) {
    const file = path.join(out, `${reader.info.name.toLowerCase()}.${format}`);
    const started = performance.now();
    let rows: number;
    if (format === 'xpt') {
      const counted = counting(reader);
      await writeXpt(file, [counted.reader]);
      rows = counted.rows();
    } else if (format === 'parquet') rows = (await writeParquet(reader, file)).rows;
    // Files meant to be uploaded again: values exactly as generated (raw), as a program reads them.
    else rows = (await writeDatasetCsv(file, reader, { raw: true })).rows;
    console.log(
      `${path.relative(process.cwd(), file) || file}  ${rows.toLocaleString('en-US')} rows  (${Math.round(performance.now() - started)} ms)`,
    );
  }
}

/** The same reader, counting the rows that pass through it. */
function counting(source: DatasetReader): { reader: DatasetReader; rows: () => number } {
  let rows = 0;
  return {
    reader: {
      info: source.info,
      async *batches() {
        for await (const batch of source.batches()) {
          rows += batch.length;
          yield batch;
        }
      },
    },
    rows: () => rows,
  };
}
