/**
 * Test support: truncated and corrupted variants of a file (seeded, so a failure reproduces), and
 * the rule every variant must follow — read completely, or fail with a FormatError that is not
 * the reader's safety net — within a time limit.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FormatError } from '../errors.ts';
import { UNFORESEEN } from './file-error.ts';
import { readSasCatalog } from './read-sas7bcat.ts';
import { readDataset } from './reference-check.ts';

const CASE_TIMEOUT_MS = 10_000;

/** mulberry32: a tiny seeded generator. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface Variant {
  name: string;
  bytes: Buffer;
}

export function variants(original: Buffer, seed: number, corruptions: number): Variant[] {
  const random = generator(seed);
  const le = original[37] === 1;
  const pad = original[35] === 0x33 ? 4 : 0;
  const u32 = (at: number) => (le ? original.readUInt32LE(at) : original.readUInt32BE(at));
  const headerSize = u32(196 + pad);
  const pageSize = u32(200 + pad);
  const out: Variant[] = [];

  const cuts = new Set([0, 1, 31, 32, 40, 100, 287, 288, 1023, 1024, headerSize - 1, headerSize, headerSize + 1]);
  for (let page = headerSize; page < original.length; page += pageSize) {
    for (const delta of [-1, 1, 24, 40, 200, Math.floor(pageSize / 2), pageSize - 100]) cuts.add(page + delta);
  }
  for (let i = 0; i < 25; i++) cuts.add(Math.floor(random() * original.length));
  for (const cut of [...cuts].filter((c) => c >= 0 && c < original.length).sort((a, b) => a - b)) {
    out.push({ name: `cut at byte ${cut}`, bytes: original.subarray(0, cut) });
  }

  // Most corruptions aim where the structure is: the header, the first page's pointer table and
  // the subheaders at its end; the rest land anywhere.
  const hot = [
    [0, 512],
    [headerSize, headerSize + 2048],
    [headerSize + pageSize - 6000, headerSize + pageSize],
  ] as const;
  for (let n = 0; n < corruptions; n++) {
    const bytes = Buffer.from(original);
    const changes: string[] = [];
    const count = 1 + Math.floor(random() * 6);
    for (let k = 0; k < count; k++) {
      let at: number;
      if (random() < 0.7) {
        const [from, to] = hot[Math.floor(random() * hot.length)] as readonly [number, number];
        at = Math.max(0, from) + Math.floor(random() * Math.max(1, Math.min(to, bytes.length) - Math.max(0, from)));
      } else {
        at = Math.floor(random() * bytes.length);
      }
      const pick = random();
      const value = pick < 0.2 ? 0 : pick < 0.4 ? 0xff : Math.floor(random() * 256);
      if (at < bytes.length) {
        bytes[at] = value;
        changes.push(`${at}=0x${value.toString(16)}`);
      }
    }
    out.push({ name: `bytes ${changes.join(', ')}`, bytes });
  }
  return out;
}

export type Outcome = 'complete' | 'rejected';

async function attempt(file: string): Promise<Outcome> {
  if (file.endsWith('.sas7bcat')) {
    await readSasCatalog(file);
    return 'complete';
  }
  const dataset = await readDataset(file);
  if (dataset.rows !== dataset.info.declaredRows) {
    throw new Error(`silently partial: ${dataset.rows} of ${dataset.info.declaredRows} rows`);
  }
  return 'complete';
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer after ${ms} ms (hang?)`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Writes each variant to `target` and reads it; returns the outcome counts and the rule breakers. */
export async function tryVariants(
  original: Buffer,
  seed: number,
  corruptions: number,
  target: string,
): Promise<{ counts: Record<Outcome, number>; failures: string[] }> {
  const counts: Record<Outcome, number> = { complete: 0, rejected: 0 };
  const failures: string[] = [];
  for (const variant of variants(original, seed, corruptions)) {
    await writeFile(target, variant.bytes);
    try {
      counts[await withTimeout(attempt(target), CASE_TIMEOUT_MS)]++;
    } catch (error) {
      // The reader's safety net turns stray RangeErrors into FormatErrors; here they are bugs.
      if (error instanceof FormatError && !error.message.includes(UNFORESEEN)) counts.rejected++;
      else
        failures.push(
          `${path.basename(target)} ${variant.name}: ${(error as Error).name}: ${(error as Error).message}`,
        );
    }
  }
  return { counts, failures };
}
