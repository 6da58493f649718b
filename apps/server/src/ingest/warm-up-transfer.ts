import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildZip, type DatasetReader, writeSas7bdat, writeXpt } from '@cdp/formats';
import { generateDemoStudy } from '../demo/generate-study.ts';

/**
 * The synthetic transfer the conversion worker converts before the first real upload (issue 17:
 * the JIT compiles the readers and the Parquet writer over several uploads, not one): the demo
 * generator's SDTM domains as XPT in one deflated ZIP, as a sponsor sends them. Two copies of the
 * study at different sizes (the smaller one's datasets renamed `DM2`, `AE2`, …) and a supplemental
 * qualifiers dataset make fifteen members, ~14,000 rows of text, integers, decimals and missing
 * values: a pilot-sized transfer, so every per-member and per-column step runs as often as a real
 * upload's would. Members under and over 1 MiB (read whole, or streamed), and the `$200` columns of
 * short values a real transfer's SUPP-- and comment domains pad with blanks. A third, small copy
 * (`DM3`, `AE3`, …) as SAS7BDAT: a first SAS7BDAT upload after an XPT-only warm-up cost ~25% more
 * CPU than the next ones (issue 17, x17p), as the XPT reader's first uploads did.
 */
export async function writeWarmUpTransfer(dir: string): Promise<string> {
  const studies: [DatasetReader[], string, 'xpt' | 'sas7bdat'][] = [
    [generateDemoStudy({ subjects: 60, sites: 4 }), '', 'xpt'],
    [generateDemoStudy({ subjects: 12, sites: 2, seed: 2 }), '2', 'xpt'],
    [[supplementalQualifiers(3_000)], '', 'xpt'],
    [generateDemoStudy({ subjects: 12, sites: 2, seed: 3 }), '3', 'sas7bdat'],
  ];
  const entries: { name: string; data: Buffer }[] = [];
  for (const [datasets, suffix, format] of studies) {
    for (const dataset of datasets) {
      const name = `${dataset.info.name}${suffix}`;
      const file = path.join(dir, `${name.toLowerCase()}.${format}`);
      const renamed = { ...dataset, info: { ...dataset.info, name } };
      if (format === 'xpt') await writeXpt(file, [renamed]);
      else await writeSas7bdat(file, renamed);
      entries.push({ name: path.basename(file), data: await readFile(file) });
      await rm(file);
    }
  }
  const zip = path.join(dir, 'warm-up.zip');
  await writeFile(zip, buildZip(entries));
  return zip;
}

/** SUPPLB-like: `rows` rows of short values in wide, blank-padded text columns (~1.5 MB of XPT). */
function supplementalQualifiers(rows: number): DatasetReader {
  const text = (name: string, length: number) => ({ name, type: 'string' as const, length });
  return {
    info: {
      name: 'SUPPLB',
      label: 'Supplemental Qualifiers for LB',
      columns: [
        text('STUDYID', 12),
        text('RDOMAIN', 2),
        text('USUBJID', 20),
        text('IDVAR', 8),
        text('IDVARVAL', 200),
        text('QNAM', 8),
        text('QLABEL', 40),
        text('QVAL', 200),
        text('QORIG', 20),
      ],
    },
    async *batches() {
      const column = (value: (row: number) => string | null) => Array.from({ length: rows }, (_, row) => value(row));
      yield {
        length: rows,
        columns: [
          column(() => 'CDP-301'),
          column(() => 'LB'),
          column((row) => `CDP-301-${String(1000 + (row % 60))}`),
          column(() => 'LBSEQ'),
          column((row) => String(row + 1)),
          column((row) => (row % 3 === 0 ? 'LBCLSIG' : 'LBFAST')),
          column((row) => (row % 3 === 0 ? 'Clinically Significant' : 'Fasting Status')),
          column((row) => (row % 7 === 0 ? null : row % 3 === 0 ? 'N' : `Y ${row % 11}`)),
          column(() => 'CRF'),
        ],
      };
    },
  };
}
