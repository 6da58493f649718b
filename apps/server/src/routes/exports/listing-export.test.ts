import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../../test/harness.ts';
import { pilotStudy } from '../../../test/pilot-study.ts';
import { parquetSql } from '../../../test/stored-datasets.ts';
import { runJob } from '../../jobs/run-job.ts';

/*
 * A long listing exported whole (issue 14: "tables are never cut off"): the pilot SDTM's AE
 * listing (1,191 records, more than a listing's 1,000-row page) printed in the PDF across pages,
 * every record once and in the listing's order, and in the widget's CSV; past
 * EXPORT_LISTING_MAX_ROWS the document says how many of how many rows it holds. The expected
 * records come from plain SQL over the stored Parquet.
 */

const SDTM = sharedData('cdiscpilot01', 'sdtm-original');
const hasData = existsSync(path.join(SDTM, 'ae.xpt'));

let t: TestApp;
let manager: Session;
let orgId: string;
let studyId: string;
let dashboardId: string;
let out: string;
/** Every AE record as `USUBJID AESEQ`, in the listing's order (USUBJID, then AESEQ). */
let expected: string[];

const base = () => `/api/studies/${studyId}/dashboards/${dashboardId}`;

const document = {
  schemaVersion: 2,
  filters: [],
  pages: [
    {
      id: 'listing',
      title: 'AE listing',
      layout: [{ i: 'ae-listing', x: 0, y: 0, w: 12, h: 8 }],
      widgets: {
        'ae-listing': {
          type: 'table',
          title: 'Adverse events',
          optionsVersion: 1,
          // The screen shows 25 rows a page; the export must not stop there, nor at 1,000.
          options: { columns: ['USUBJID', 'AESEQ', 'AEDECOD'], sortBy: 'USUBJID', pageSize: 25 },
          data: { dataset: 'AE', mapping: { subject_id: 'USUBJID' }, filters: [] },
        },
      },
    },
  ],
};

async function exportPdf(): Promise<string> {
  const queued = await t.request(manager, { method: 'POST', url: `${base()}/exports`, payload: { format: 'pdf' } });
  expect(queued.statusCode, queued.body).toBe(202);
  const id = queued.json().data.id as string;
  await runJob(t.ctx, 'exports.render', { orgId, exportId: id });
  const file = await t.request(manager, { method: 'GET', url: `${base()}/exports/${id}/file` });
  expect(file.statusCode, file.body).toBe(200);
  const pdf = path.join(out, `${id}.pdf`);
  await writeFile(pdf, file.rawPayload);
  return execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8', maxBuffer: 1 << 26 });
}

/** The AE records a PDF's text lists, as `USUBJID AESEQ`, in print order. */
function printedRecords(text: string): string[] {
  return [...text.matchAll(/^\s*(\d{2}-\d{3}-\d{4})\s+(\d+)\s+\S/gm)].map((m) => `${m[1]} ${m[2]}`);
}

beforeAll(async () => {
  if (!hasData) return;
  const pilot = await pilotStudy();
  ({ t, studyId, orgId, manager } = pilot);
  dashboardId = (await pilot.dashboard('AE listing', { document })).id;
  const duck = await parquetSql(pilot.files, ['AE']);
  const rows = await duck.sql(
    `SELECT USUBJID || ' ' || CAST(CAST(AESEQ AS BIGINT) AS VARCHAR) FROM ae ORDER BY USUBJID, AESEQ`,
  );
  expected = rows.map((r) => String(r[0]));
  duck.close();
  out = await mkdtemp(path.join(os.tmpdir(), 'cdp-listing-export-'));
});
afterAll(async () => {
  await t?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

describe.skipIf(!hasData)('a listing longer than a page, exported', () => {
  it('PDF: every record once, in order, across pages with the header repeated; no "n of N" note', async () => {
    expect(expected.length).toBeGreaterThan(1000);
    const text = await exportPdf();
    expect(printedRecords(text)).toEqual(expected);
    // The header is repeated on every page the listing runs over.
    const pages = text.split('\f').filter((p) => printedRecords(p).length > 0);
    expect(pages.length).toBeGreaterThan(5);
    for (const page of pages) expect(page).toMatch(/USUBJID\s+AESEQ\s+AEDECOD/);
    expect(text).not.toContain('filter the listing to export the rest');
  });

  it("widget CSV: every record, not the screen's page", async () => {
    const csv = await t.request(manager, { method: 'GET', url: `${base()}/widgets/ae-listing/export?format=csv` });
    expect(csv.statusCode, csv.body).toBe(200);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(' ').replace(/"/g, ''))).toEqual(expected);
  });

  it('past EXPORT_LISTING_MAX_ROWS the document holds that many rows and says of how many', async () => {
    const limit = t.ctx.config.exportListingMaxRows;
    t.ctx.config.exportListingMaxRows = 1000;
    try {
      const text = await exportPdf();
      expect(printedRecords(text)).toEqual(expected.slice(0, 1000));
      expect(text.replace(/\s+/g, ' ')).toContain(
        `The first 1,000 of ${expected.length.toLocaleString('en-US')} rows: filter the listing to export the rest.`,
      );
    } finally {
      t.ctx.config.exportListingMaxRows = limit;
    }
  });
});
