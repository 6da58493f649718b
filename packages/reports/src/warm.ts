import { renderChartSvg, svgToPng } from './chart-svg.ts';
import { renderPdf } from './pdf/render-pdf.ts';
import { renderPptx } from './pptx/render-pptx.ts';
import type { ReportInput } from './types.ts';
import { renderXlsx } from './xlsx/render-xlsx.ts';

const meta = { versionId: '00000000-0000-4000-8000-000000000000', applied: [], ignored: [], cached: false, ms: 0 };

/** A one-chart document: enough to load and compile every renderer's code, fonts and map. */
function warmInput(): ReportInput {
  return {
    study: { code: 'WARM', name: 'Warm-up' },
    dashboard: { name: 'Warm-up' },
    dataVersion: { label: 'warm-up', activatedAt: null },
    filters: [],
    generatedBy: 'cdp',
    generatedAt: new Date(),
    options: { paperSize: 'A4', orientation: 'landscape' },
    pages: [
      {
        id: 'warm',
        title: 'Warm-up',
        widgets: [
          {
            id: 'bars',
            title: 'Bars',
            type: 'bar',
            layout: { x: 0, y: 0, w: 12, h: 6 },
            data: {
              columns: [
                { name: 'category', label: 'Category', type: 'string' },
                { name: 'value', label: 'Value', type: 'integer' },
              ],
              rows: [['A', 1]],
              notes: [],
              meta,
              chart: {
                xAxis: { type: 'category', data: ['A'] },
                yAxis: { type: 'value' },
                series: [{ type: 'bar', data: [1] }],
              },
            },
          },
        ],
      },
    ],
  };
}

/**
 * Pays the renderers' first-use costs (module loading and compiling: pdfkit, fontkit and the
 * fonts, ECharts and the world map, pptxgenjs, exceljs, resvg) once when a worker starts, instead
 * of in the first export a user waits for. Returns how long it took.
 */
export async function warmRenderers(): Promise<number> {
  const started = performance.now();
  const input = warmInput();
  await renderPdf(input);
  await renderPptx(input);
  await renderXlsx(input);
  const map = await renderChartSvg({ geo: { map: 'world' }, series: [] }, 200, 100);
  svgToPng(map, 1);
  return performance.now() - started;
}
