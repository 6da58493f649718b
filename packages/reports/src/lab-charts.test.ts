import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { widgetType } from '@cdp/widgets';
import { describe, expect, it } from 'vitest';
import { renderChartSvg, svgToPng } from './index.ts';

/**
 * The lab widgets' chart options drawn as exports draw them (server-side SVG, then PNG for PDF and
 * PowerPoint): eDISH's log axes, threshold lines and quadrant names, and the trend's bands and
 * reference limits survive, with no function in the option to lose on the way.
 */

const column = (name: string, type: 'string' | 'number') => ({ name, type });

describe('lab widget charts in exports', () => {
  it('eDISH draws its quadrant names, the 3×ULN and 2×ULN lines and log-scale ticks', async () => {
    const edish = widgetType('edish');
    const options = edish?.options.parse({}) as Record<string, unknown>;
    const table = edish?.toTable(
      {
        peaks: {
          columns: ['subject_id', 'arm', 'alt', 'ast', 'bili'].map((n) =>
            column(n, n.length > 3 ? 'string' : 'number'),
          ),
          rows: [
            ['S1', 'Drug', 6.2, 3, 2.9],
            ['S2', 'Placebo', 0.8, 0.7, 0.5],
            ['S3', 'Drug', 1.2, 1, 2.4],
            ['S4', 'Placebo', 4, 1, 0.6],
          ],
          truncated: false,
        },
      },
      { dataset: 'LB', population: 'DM', fields: {}, filters: [], options },
    );
    const option = edish?.toChartOption?.(table ?? { columns: [], rows: [] }, options) ?? {};
    const svg = await renderChartSvg(option, 640, 420);
    for (const text of [
      'Hy&#39;s law range',
      'Temple&#39;s corollary',
      'Cholestasis',
      'Normal range',
      '3×ULN',
      '2×ULN',
    ]) {
      expect(svg.replaceAll("'", '&#39;'), text).toContain(text);
    }
    expect(svg).toContain('>10<');
    await writeFile(path.join(os.tmpdir(), 'cdp-edish-export.png'), svgToPng(svg));
  });

  it('lab trend draws the reference limits', async () => {
    const trend = widgetType('lab-trend');
    const options = trend?.options.parse({ test: 'ALT' }) as Record<string, unknown>;
    const names = ['test', 'visit_order', 'visit', 'arm', 'n', 'mean', 'sd', 'median', 'q1', 'q3'];
    const table = trend?.toTable(
      {
        stats: {
          columns: names.map((n) => column(n, ['test', 'visit', 'arm'].includes(n) ? 'string' : 'number')),
          rows: [
            ['ALT', 1, 'Screening', 'Drug', 30, 22, 6, 21, 18, 26],
            ['ALT', 2, 'Week 2', 'Drug', 28, 26, 8, 25, 20, 31],
            ['ALT', 1, 'Screening', 'Placebo', 31, 21, 5, 20, 17, 24],
            ['ALT', 2, 'Week 2', 'Placebo', 29, 21, 6, 21, 17, 25],
          ],
          truncated: false,
        },
        limits: {
          columns: [column('test', 'string'), column('lln', 'number'), column('uln', 'number')],
          rows: [['ALT', 6, 34]],
          truncated: false,
        },
      },
      { dataset: 'LB', population: 'DM', fields: {}, filters: [], options },
    );
    const option = trend?.toChartOption?.(table ?? { columns: [], rows: [] }, options) ?? {};
    const svg = await renderChartSvg(option, 640, 360);
    expect(svg).toContain('ULN 34');
    expect(svg).toContain('LLN 6');
    expect(svg).toContain('Week 2');
    await writeFile(path.join(os.tmpdir(), 'cdp-trend-export.png'), svgToPng(svg));
  });
});
