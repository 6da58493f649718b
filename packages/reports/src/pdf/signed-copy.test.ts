import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPdf, signedPdfCopy } from '../index.ts';
import { fixtureReport } from '../testing.ts';

async function pages(body: Uint8Array): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cdp-signed-'));
  const file = path.join(dir, 'doc.pdf');
  await writeFile(file, body);
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  const count = Number(/Pages:\s+(\d+)/.exec(info)?.[1]);
  return Array.from({ length: count }, (_, i) =>
    execFileSync('pdftotext', ['-f', String(i + 1), '-l', String(i + 1), file, '-'], { encoding: 'utf8' }),
  );
}

describe('signed copy of an exported PDF', () => {
  it('keeps every page of the original and ends with a signature page printing the original’s SHA-256', async () => {
    const original = await renderPdf(fixtureReport(40));
    const sha = createHash('sha256').update(original).digest('hex');
    const copy = await signedPdfCopy(original, {
      fileName: 'CDISC01 Overview 2026-02-03 0405.pdf',
      originalSha256: sha,
      madeAt: '2026-02-03 05:00:00 GMT+1 (Europe/Paris)',
      signatures: [
        {
          id: '11111111-1111-4111-8111-111111111111',
          signer: 'Ada Approver',
          meaning: 'Approval',
          signedAt: '2026-02-03 05:00:00 GMT+1 (Europe/Paris)',
          record: 'Export CDISC01 Overview 2026-02-03 0405.pdf',
          sha256: sha,
          status: 'valid',
        },
      ],
    });
    const before = await pages(original);
    const after = await pages(copy);
    expect(after).toHaveLength(before.length + 1);
    // The original's pages are there, unchanged in their text.
    expect(after.slice(0, -1)).toEqual(before);
    const flat = (after.at(-1) ?? '').replace(/\s+/g, ' ');
    expect(flat).toContain('Electronic signatures');
    expect(flat).toContain('Ada Approver — Approval');
    expect(flat).toContain('Signed 2026-02-03 05:00:00 GMT+1 (Europe/Paris)');
    expect(flat).toContain(`SHA-256 of the original file ${sha}`);
    expect(flat).toContain('Verified: the record is unchanged since it was signed');
    expect(flat).toContain('11111111-1111-4111-8111-111111111111');
    // Page numbers agree on every page: the original's pages read "Page i of N" (N the original's
    // count, as signed), and the appended page says it is outside that numbering, never "N+1 of N".
    const n = before.length;
    expect(n).toBeGreaterThan(1);
    after.slice(0, -1).forEach((text, i) => {
      expect(text.replace(/\s+/g, ' ')).toContain(`Page ${i + 1} of ${n}`);
    });
    expect(flat).toContain(`Signature page, appended to a document of ${n} pages (not part of its page numbering)`);
    expect(flat).not.toMatch(/Page \d+ of \d+/);
    expect(after.join('\n')).not.toContain(`Page ${n + 1} of`);
    // The copy is a second file: its own hash, the original untouched.
    expect(createHash('sha256').update(copy).digest('hex')).not.toBe(sha);
    expect(createHash('sha256').update(original).digest('hex')).toBe(sha);
  });

  it('refuses to make a signed copy without a signature', async () => {
    const original = await renderPdf(fixtureReport(3));
    await expect(
      signedPdfCopy(original, { fileName: 'x.pdf', originalSha256: 'a'.repeat(64), madeAt: 'now', signatures: [] }),
    ).rejects.toThrow(/at least one signature/);
  });
});
