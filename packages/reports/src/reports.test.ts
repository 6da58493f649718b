import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { renderPdf, renderPptx, renderXlsx } from './index.ts';
import { nativeChart } from './pptx/chart-data.ts';
import { fixtureReport } from './testing.ts';
import { sheetName } from './xlsx/render-xlsx.ts';

const ROWS = 300;

async function pdfPages(input = fixtureReport(ROWS)): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cdp-reports-'));
  const file = path.join(dir, 'report.pdf');
  await writeFile(file, await renderPdf(input));
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  const count = Number(/Pages:\s+(\d+)/.exec(info)?.[1]);
  return Array.from({ length: count }, (_, i) =>
    execFileSync('pdftotext', ['-layout', '-f', String(i + 1), '-l', String(i + 1), file, '-'], { encoding: 'utf8' }),
  );
}

describe('PDF', () => {
  it('a long table spans pages: every row exactly once, the header repeated on each page it continues on', async () => {
    const pages = await pdfPages();
    const withRows = pages.filter((text) => /01-701-1\d{3}/.test(text));
    expect(withRows.length).toBeGreaterThanOrEqual(3);
    for (const text of withRows) expect(text).toMatch(/Subject\s+Age\s+Rate %\s+First dose/);
    const all = pages.join('\n');
    for (let i = 0; i < ROWS; i++) {
      const id = `01-701-${1000 + i}`;
      expect(all.split(id).length - 1, id).toBe(1);
    }
    pages.forEach((text, i) => {
      expect(text).toContain(`Page ${i + 1} of ${pages.length}`);
      expect(text).toContain('data version 20260101_120000');
    });
  });

  it("a widget's long note wraps inside its card: every word printed, none running into the card below", async () => {
    const input = fixtureReport(3);
    const terms = Array.from({ length: 40 }, (_, i) => `TERM${String(i).padStart(2, '0')}`);
    const note = `Events filtered on the widget: severity is one of ${terms.join(', ')}; outcome END.`;
    const page = input.pages[0];
    const bar = page?.widgets.find((w) => w.type === 'bar');
    const metric = page?.widgets.find((w) => w.type === 'total-screened');
    if (!page || !bar?.data || !metric) throw new Error('the fixture has no bar chart or metric');
    bar.data = { ...bar.data, notes: [note] };
    // A card right under the chart's: the note must stay above its title.
    page.widgets.push({ ...metric, id: 'below', title: 'CardBelow', layout: { x: 3, y: 6, w: 9, h: 3 } });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cdp-reports-'));
    const file = path.join(dir, 'notes.pdf');
    await writeFile(file, await renderPdf(input));
    // Every word with its box (pdftotext -bbox), on the page after the cover.
    const html = execFileSync('pdftotext', ['-bbox', '-f', '2', '-l', '2', file, '-'], { encoding: 'utf8' });
    const words = [
      ...html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g),
    ].map((m) => ({ y0: Number(m[2]), x1: Number(m[3]), y1: Number(m[4]), text: m[5] ?? '' }));
    const below = words.find((w) => w.text === 'CardBelow');
    const noteWords = words.filter((w) => /^TERM\d\d[,;]?$/.test(w.text) || w.text === 'END.');
    expect(below).toBeDefined();
    // Printed in full on several lines (at most half the card: here it fits), all above the next card.
    expect(noteWords.filter((w) => w.text !== 'END.').map((w) => w.text.replace(/[,;]$/, ''))).toEqual(terms);
    expect(new Set(noteWords.map((w) => Math.round(w.y0))).size).toBeGreaterThan(2);
    // The card below starts 8 pt (the grid's gap) under the chart's card and draws its title 6 pt
    // inside: the chart card's bottom edge is 14 pt above that title. Before, the note started 8 pt
    // above the body's foot and ran on below the card's edge.
    for (const w of noteWords) expect(w.y1, w.text).toBeLessThanOrEqual((below?.y0 ?? 0) - 14);
  });

  it('a cover with the study, data version, its activation, filters and who made it, in embedded Unicode fonts', async () => {
    const [cover = ''] = await pdfPages(fixtureReport(3));
    expect(cover).toContain('CDISC Pilot ≥ Ünïcode');
    expect(cover).toContain('20260101_120000, active since 1 Jan 2026, 12:00 UTC');
    expect(cover).toContain('Arm = Placebo');
    expect(cover).toContain('Mia Monitor <mia@example.com>');
    expect(cover).toContain('3 Feb 2026, 04:05 UTC');
  });

  it("prints the dashboard version's approvals on the cover and a signed document's signature page last", async () => {
    const approval = {
      signer: 'Ada Approver',
      meaning: 'Approval',
      signedAt: '2026-12-06 16:20:05 GMT+1 (Europe/Paris)',
      record: 'Dashboard Overview, version 3',
      sha256: 'a'.repeat(64),
      status: 'valid' as const,
    };
    const own = {
      ...approval,
      signer: 'Rex Reviewer',
      meaning: 'Review',
      signedAt: '2026-12-06 10:20:05 EST (America/New_York)',
      record: 'Export of Overview (PDF)',
      sha256: 'b'.repeat(64),
      status: 'changed' as const,
    };
    const pages = await pdfPages({ ...fixtureReport(3), approvals: [approval], signatures: [own] });
    const flat = (text: string) => text.replace(/\s+/g, ' ');
    const cover = flat(pages[0] ?? '');
    expect(cover).toContain('Approved for use');
    expect(cover).toContain('Ada Approver — Approval');
    expect(cover).toContain('Signed 2026-12-06 16:20:05 GMT+1 (Europe/Paris)');
    expect(cover).toContain(`Dashboard Overview, version 3 · SHA-256 ${'a'.repeat(64)}`);
    expect(cover).toContain('Verified: the record is unchanged since it was signed');
    const last = flat(pages.at(-1) ?? '');
    expect(last).toContain('Electronic signatures');
    expect(last).toContain('Rex Reviewer — Review');
    expect(last).toContain('Signed 2026-12-06 10:20:05 EST (America/New_York)');
    expect(last).toContain(`SHA-256 ${'b'.repeat(64)}`);
    expect(last).toContain('Not valid: the record changed after it was signed');
    expect(last).toContain(`Page ${pages.length} of ${pages.length}`);
    // Without signatures: no section, no extra page.
    const plain = await pdfPages(fixtureReport(3));
    expect(plain).toHaveLength(pages.length - 1);
    expect(plain.join('\n')).not.toContain('Approved for use');
  });

  it('a widget that errors is drawn with its error; Letter portrait is honoured', async () => {
    const input = { ...fixtureReport(3), options: { paperSize: 'Letter' as const, orientation: 'portrait' as const } };
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cdp-reports-'));
    const file = path.join(dir, 'letter.pdf');
    await writeFile(file, await renderPdf(input));
    expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(/Page size:\s+612 x 792 pts \(letter\)/);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('This widget could not be drawn: Column LBSTRESN is not in dataset LB.');
  });
});

describe('XLSX', () => {
  it('types cells: integers as numbers, 0–100 percentages as fractions formatted as %, dates as dates', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await renderXlsx(fixtureReport(5))) as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual([
      'Contents',
      'Subjects screened',
      'Subjects by arm',
      'Subject listing',
    ]);
    const listing = workbook.getWorksheet('Subject listing');
    const row = listing?.getRow(2);
    expect(row?.getCell(1).value).toBe('01-701-1000');
    expect(row?.getCell(2).type).toBe(ExcelJS.ValueType.Number);
    expect(row?.getCell(3).value).toBe(0.125);
    expect(row?.getCell(3).numFmt).toBe('0.0%');
    expect(row?.getCell(4).type).toBe(ExcelJS.ValueType.Date);
    expect((row?.getCell(4).value as Date | undefined)?.toISOString()).toBe('2014-01-02T00:00:00.000Z');
    const contents = workbook.getWorksheet('Contents');
    const texts: string[] = [];
    contents?.eachRow((r) => {
      texts.push(r.values.toString());
    });
    expect(texts.join('\n')).toContain('Could not be drawn: Column LBSTRESN is not in dataset LB.');
  });

  it('sheet names are legal and unique', () => {
    const taken = new Set<string>();
    expect(sheetName('AEs: by [SOC]/PT?', taken)).toBe('AEs by SOC PT');
    expect(sheetName('A'.repeat(40), taken)).toHaveLength(31);
    expect(sheetName('A'.repeat(40), taken)).toBe(`${'A'.repeat(27)} (2)`);
  });
});

describe('PPTX', () => {
  it('native charts for bars, tables split across slides, notes with the data version', async () => {
    const zip = await JSZip.loadAsync(await renderPptx(fixtureReport(30)));
    const slides = Object.keys(zip.files).filter((f) => /^ppt\/slides\/slide\d+\.xml$/.test(f));
    // Title, metric, bar, error, and the 30-row listing over three slides of 14.
    expect(slides).toHaveLength(7);
    // pptxgenjs numbers charts across the process (chart1, chart2, … over every deck it made): find the deck's one chart.
    const charts = Object.keys(zip.files).filter((f) => /^ppt\/charts\/chart\d+\.xml$/.test(f));
    expect(charts).toHaveLength(1);
    const chart = await zip.file(charts[0] ?? '')?.async('string');
    expect(chart).toContain('<c:barChart>');
    for (const v of [86, 84]) expect(chart).toContain(`<c:v>${v}</c:v>`);
    const notes = Object.keys(zip.files).filter((f) => f.startsWith('ppt/notesSlides/notesSlide'));
    expect(await zip.file(notes[0] ?? '')?.async('string')).toContain('Data version: 20260101_120000');
  });

  it('reads pies, donuts and scatters from the ECharts option; maps and sankeys are pictures', () => {
    expect(
      nativeChart({ series: [{ type: 'pie', radius: ['45%', '70%'], data: [{ name: 'A', value: 2 }] }] }),
    ).toMatchObject({
      type: 'doughnut',
      data: [{ labels: ['A'], values: [2] }],
    });
    expect(nativeChart({ series: [{ type: 'scatter', name: 'S', data: [[1, 2], { value: [3, 4] }] }] })).toMatchObject({
      type: 'scatter',
      data: [
        { name: 'X', values: [1, 3] },
        { name: 'S', values: [2, 4] },
      ],
    });
    expect(nativeChart({ series: [{ type: 'sankey', data: [] }] })).toBeNull();
    expect(nativeChart({ geo: {}, series: [{ type: 'scatter', data: [] }] })).toBeNull();
  });
});
