import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryVariants } from './fuzz-variants.ts';

/**
 * Truncated and corrupted variants of the fixtures (seeded, so failures reproduce): each must
 * either read completely or fail with a FormatError — never another error type, never a hang.
 */
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/sas7bdat');
const FILES = [
  'kshedden-datareader/test2.sas7bdat',
  'kshedden-datareader/test14.sas7bdat',
  'parso/comp_deleted.sas7bdat',
  'parso/data_page_with_deleted.sas7bdat',
  'parso/all_rand_normal_with_deleted2.sas7bdat',
  'pyreadstat/missing_data/missing_test.sas7bdat',
  'pyreadstat/sas_catalog/test_formats_win.sas7bcat',
];
/** 150 per file in CI; a local run with 4,000 per file and other seeds found nothing more. */
const CORRUPTIONS_PER_FILE = 150;

describe('truncated and corrupted files', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sas7bdat-fuzz-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(FILES.map((file, i) => [file, i] as const))(
    '%s: every variant reads completely or fails with a FormatError',
    async (file, index) => {
      const original = readFileSync(path.join(FIXTURES, file));
      const target = path.join(dir, `variant-${index}${path.extname(file)}`);
      const { counts, failures } = await tryVariants(original, 1000 + index, CORRUPTIONS_PER_FILE, target);
      console.info(
        `${file}: ${counts.complete} variants read completely, ${counts.rejected} rejected with FormatError`,
      );
      expect(failures).toEqual([]);
      expect(counts.rejected).toBeGreaterThan(0);
    },
    120_000,
  );
});
