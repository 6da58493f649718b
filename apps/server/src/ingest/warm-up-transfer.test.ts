import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { convertUpload } from '@cdp/formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWarmUpTransfer } from './warm-up-transfer.ts';

/**
 * The warm-up's synthetic transfer must convert (a failing round ends the warm-up, only logged)
 * and must exercise both SAS readers, so that neither a first XPT nor a first SAS7BDAT upload
 * pays the JIT's warm-up (issue 17).
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cdp-warm-up-transfer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the warm-up transfer', () => {
  it('converts, with XPT members streamed and read whole and SAS7BDAT members', async () => {
    const zip = await writeWarmUpTransfer(dir);
    const out = path.join(dir, 'out');
    const { datasets, skipped } = await convertUpload(zip, 'warm-up.zip', out, { tempDirectory: `${out}.spill` });
    expect(skipped).toEqual([]);
    const formats = new Map<string, string[]>();
    for (const d of datasets) formats.set(d.format, [...(formats.get(d.format) ?? []), d.name]);
    expect([...formats.keys()].sort()).toEqual(['sas7bdat', 'xpt']);
    expect(formats.get('sas7bdat')).toContain('DM3');
    expect(formats.get('xpt')).toEqual(expect.arrayContaining(['DM', 'DM2', 'SUPPLB']));
    // The SAS7BDAT copy carries the XPT copies' columns and rows (the same generator, its own seed).
    const dm3 = datasets.find((d) => d.name === 'DM3');
    const dm2 = datasets.find((d) => d.name === 'DM2');
    expect(dm3?.rows).toBe(12);
    expect(dm3?.columns.map((c) => c.name)).toEqual(dm2?.columns.map((c) => c.name));
  }, 60_000);
});
