import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import type { ReadOptions } from '../types.ts';
import { decodeIbmFloat, IBM_MISSING, ibmResult } from './ibm-float.ts';
import { readXpt } from './read-xpt.ts';
import { buildXpt, ibm, missingValue, readAll, type TestMember, text } from './xpt-test-support.ts';

/**
 * The reader decodes a batch column by column over the window's bytes, in runs of ~64 KB, with the
 * next chunk read ahead (issue 17). These tests hold it to a row-by-row reference decoder written
 * here over the same bytes: every value, missing code and text cell, across runs, batches, the
 * 1 MB chunks of the window, and with text as strings and as bytes.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'read-xpt-columns-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ROWS = 30_000;
const WORDS = ['ALT', 'Café crème', 'naïve ', '   ', 'GLUCOSE', '北京', 'x'.repeat(30)];

/** A member of numbers of widths 8, 3 and 5 and two text columns, ~2.5 MB: several chunks and many runs. */
function bigMember(): { member: TestMember; rows: Buffer[] } {
  const rows: Buffer[] = [];
  let seed = 7;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    return seed / 4_294_967_296;
  };
  for (let r = 0; r < ROWS; r++) {
    const u = next();
    const a = u < 0.05 ? missingValue(u < 0.02 ? 'A' : '.') : ibm((r - 15_000) * 0.37 + u);
    const b = u > 0.97 ? missingValue('Z', 3) : ibm(Math.round(u * 4000), 3);
    const c = ibm(u * 1e6, 5);
    const word = WORDS[r % WORDS.length] as string;
    // Latin-1 bytes (not UTF-8) for one word in five: the reader's Windows-1252 rule.
    const s = text(Buffer.from(`${word} ${r}`, r % 5 === 0 ? 'latin1' : 'utf8'), 45);
    const t = text(u < 0.1 ? '' : String(r), 7);
    rows.push(Buffer.concat([a, s, b, t, c]));
  }
  const member: TestMember = {
    name: 'BIG',
    variables: [
      { name: 'A', type: 'number', length: 8 },
      { name: 'S', type: 'string', length: 45 },
      { name: 'B', type: 'number', length: 3 },
      { name: 'T', type: 'string', length: 7 },
      { name: 'C', type: 'number', length: 5 },
    ],
    data: Buffer.concat(rows),
  };
  return { member, rows };
}

/** The reference: each row's cells decoded one at a time, as the format defines them. */
function reference(rows: Buffer[]): { values: (number | string | null)[][]; missing: number[][] } {
  const values: (number | string | null)[][] = [[], [], [], [], []];
  const missing: number[][] = [[], [], [], [], []];
  const layout: [kind: 'n' | 's', at: number, width: number][] = [
    ['n', 0, 8],
    ['s', 8, 45],
    ['n', 53, 3],
    ['s', 56, 7],
    ['n', 63, 5],
  ];
  for (const row of rows) {
    layout.forEach(([kind, at, width], c) => {
      if (kind === 'n') {
        const found = decodeIbmFloat(row, at, width);
        (values[c] as (number | string | null)[]).push(found === IBM_MISSING ? Number.NaN : ibmResult.value);
        (missing[c] as number[]).push(found === IBM_MISSING ? ibmResult.missingCode : 0);
        return;
      }
      const raw = row
        .subarray(at, at + width)
        .toString('latin1')
        .replace(/ +$/, '');
      const bytes = row.subarray(at, at + Buffer.byteLength(raw, 'latin1'));
      const utf8 = bytes.toString('utf8');
      // Valid UTF-8 round-trips; the Latin-1 words here have no bytes in 0x80–0x9F.
      const decoded = Buffer.from(utf8, 'utf8').equals(bytes) ? utf8 : raw;
      (values[c] as (number | string | null)[]).push(decoded === '' ? null : decoded);
      (missing[c] as number[]).push(0);
    });
  }
  return { values, missing };
}

describe('XPT column-by-column decoding', () => {
  it.each<[string, ReadOptions]>([
    ['strings', { textAsBytes: false }],
    ['bytes, batches reused', { textAsBytes: true, reuseBatches: true }],
    ['bytes, small batches', { textAsBytes: true, reuseBatches: true, batchSize: 1000 }],
  ])('gives every cell the row-by-row reference gives (text as %s)', async (_, options) => {
    const { member, rows } = bigMember();
    const file = path.join(dir, `big-${options.batchSize ?? 0}-${options.textAsBytes}.xpt`);
    await writeFile(file, buildXpt([member, { ...member, name: 'SECOND', data: Buffer.concat(rows.slice(0, 3)) }]));
    const [big, second] = await readAll(file, options);
    const expected = reference(rows);
    expect(big?.rows).toBe(ROWS);
    expect(big?.values).toEqual(expected.values);
    expect(big?.missing).toEqual(expected.missing);
    expect(second?.rows).toBe(3);
    expect(second?.values.map((column) => column.slice(0, 3))).toEqual(expected.values.map((v) => v.slice(0, 3)));
  });

  it('reports the first malformed number in row order, whichever column the loops reach first', async () => {
    const { member, rows } = bigMember();
    const damaged = rows.map((row) => Buffer.from(row));
    // Column C (decoded last) breaks at row 20,001; column A (decoded first) only at row 20,002.
    missingValue('@', 5).copy(damaged[20_000] as Buffer, 63);
    missingValue('@').copy(damaged[20_001] as Buffer, 0);
    const file = path.join(dir, 'malformed.xpt');
    await writeFile(file, buildXpt([{ ...member, data: Buffer.concat(damaged) }]));
    let seen = 0;
    const error = await (async () => {
      try {
        for await (const dataset of readXpt(file, { textAsBytes: true, reuseBatches: true })) {
          for await (const batch of dataset.batches()) seen += batch.length;
        }
      } catch (caught) {
        return caught as FormatError;
      }
      throw new Error('the damaged file was read');
    })();
    expect(error).toBeInstanceOf(FormatError);
    expect(error.location).toMatchObject({ row: 20_001 });
    expect(error.message).toContain('column C: not a SAS number');
    // The batches before the damaged one were delivered whole.
    expect(seen).toBe(16_384);
  });
});
