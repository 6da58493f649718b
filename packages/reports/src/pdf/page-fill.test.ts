import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureReport } from '../testing.ts';
import type { ReportInput, ReportWidget } from '../types.ts';
import { LARGE_PATH_CHARS, splitLargePaths } from './large-paths.ts';
import { renderPdf } from './render-pdf.ts';

async function pagesOf(input: ReportInput): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cdp-reports-fill-'));
  const file = path.join(dir, 'report.pdf');
  await writeFile(file, await renderPdf(input));
  const count = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]);
  return Array.from({ length: count }, (_, i) =>
    execFileSync('pdftotext', ['-f', String(i + 1), '-l', String(i + 1), file, '-'], { encoding: 'utf8' }),
  );
}

function chartWidget(id: string, title: string, layout: ReportWidget['layout']): ReportWidget {
  const bars = fixtureReport(1).pages[0]?.widgets.find((w) => w.id === 'by-arm');
  if (!bars?.data) throw new Error('fixture changed');
  return { ...bars, id, title, layout };
}

function report(widgets: ReportWidget[]): ReportInput {
  return { ...fixtureReport(1), pages: [{ id: 'p', title: 'Overview', widgets }] };
}

describe('PDF page filling', () => {
  it('a row of widgets that nearly fits the rest of the page is drawn there, shorter, not on a new page', async () => {
    // A4 landscape: one grid row is ~31.7 pt of a 501 pt page. After the title and an 8-row band,
    // ~224 pt are left; the 10-row band (317 pt) fits them at 71 % of its screen height.
    const pages = await pagesOf(
      report([
        chartWidget('a', 'Band one chart', { x: 0, y: 0, w: 12, h: 8 }),
        chartWidget('b', 'Band two chart', { x: 0, y: 8, w: 12, h: 10 }),
      ]),
    );
    expect(pages).toHaveLength(2);
    expect(pages[1]).toContain('Band one chart');
    expect(pages[1]).toContain('Band two chart');
  });

  it('a row that would have to shrink by more than a third still starts a new page', async () => {
    const pages = await pagesOf(
      report([
        chartWidget('a', 'Band one chart', { x: 0, y: 0, w: 12, h: 11 }),
        chartWidget('b', 'Band two chart', { x: 0, y: 11, w: 12, h: 10 }),
      ]),
    );
    expect(pages).toHaveLength(3);
    expect(pages[1]).toContain('Band one chart');
    expect(pages[2]).toContain('Band two chart');
  });
});

describe('large chart paths', () => {
  it('long plain paths are taken out of the SVG with their paint; short or transformed ones stay', () => {
    const long = `M0 0${'L1 1'.repeat(LARGE_PATH_CHARS / 4 + 1)}`;
    const svg = [
      '<svg width="10" height="10" viewBox="0 0 10 10">',
      `<path d="${long}" fill="none" stroke="#0f766e" stroke-opacity="0.8"></path>`,
      `<path d="${long}" transform="matrix(2,0,0,2,0,0)" fill="none" stroke="#0f766e"></path>`,
      `<path d="${long}" fill="rgba(0,0,0,0.5)"></path>`,
      '<path d="M0 0L5 5" fill="none" stroke="#000"></path>',
      '</svg>',
    ].join('');
    const { svg: rest, paths } = splitLargePaths(svg);
    expect(paths).toEqual([
      { d: long, fill: null, stroke: '#0f766e', strokeWidth: 1, fillOpacity: 1, strokeOpacity: 0.8 },
    ]);
    expect(rest.match(/<path/g)).toHaveLength(3);
    expect(rest).toContain('transform="matrix(2,0,0,2,0,0)"');
    expect(rest).toContain('rgba(0,0,0,0.5)');
  });
});

describe('scatter thinning for print', () => {
  it('draws each place once and a big scatter as one path; small scatters and other series are untouched', async () => {
    const { LARGE_SCATTER, thinnedForPrint } = await import('../chart-svg.ts');
    const outliers = Array.from({ length: LARGE_SCATTER * 2 }, (_, i) => ({
      value: [`V${i % 3}`, i % 50],
      point: { category: `V${i % 3}` },
    }));
    const option = {
      series: [
        { type: 'boxplot', data: [[1, 2, 3, 4, 5]] },
        { type: 'scatter', name: 'Outliers', data: outliers },
        { type: 'scatter', name: 'Mean', data: [['V0', 2]] },
      ],
    };
    const [box, thinned, mean] = thinnedForPrint(option).series as Record<string, unknown>[];
    expect(box).toBe(option.series[0]);
    expect(mean).toBe(option.series[2]);
    // 400 points on 3 × 50 places, every place still drawn once.
    const data = thinned?.data as { value: [string, number] }[];
    expect(new Set(data.map((d) => d.value.join())).size).toBe(data.length);
    expect(data).toHaveLength(new Set(outliers.map((o) => o.value.join())).size);
    expect(thinned).toMatchObject({ large: true, largeThreshold: LARGE_SCATTER });
  });
});
