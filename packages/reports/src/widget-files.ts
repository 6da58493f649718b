import { csvRow } from '@cdp/contracts';
import { drawnAs } from './cells.ts';
import { renderChartSvg, svgToPng } from './chart-svg.ts';
import type { ReportWidget } from './types.ts';

/** Thrown when a widget cannot be written in the format asked for (a table as a picture). */
export class ReportFormatError extends Error {}

/** The widget's table as CSV, through the product's one CSV encoding (formula-looking text neutralised). */
export function widgetCsv(widget: ReportWidget): Buffer {
  const data = widget.data;
  if (!data)
    throw new ReportFormatError(
      `Widget "${widget.title}" has no data to export: ${widget.error?.message ?? 'no answer'}`,
    );
  const lines = [
    csvRow(data.columns.map((c) => c.label)),
    ...data.rows.map((row) => csvRow(data.columns.map((_, i) => row[i]))),
  ];
  return Buffer.from(`\uFEFF${lines.join('')}`, 'utf8');
}

/** A chart widget as a picture: SVG (vector) or PNG (twice the size, for slides and documents). */
export async function widgetPicture(
  widget: ReportWidget,
  format: 'svg' | 'png',
  size: { width: number; height: number } = { width: 960, height: 540 },
): Promise<Buffer> {
  const chart = widget.data?.chart;
  if (!chart || drawnAs(widget) !== 'chart') {
    throw new ReportFormatError(
      `Widget "${widget.title}" is not a chart, so it has no picture: export it as CSV or XLSX.`,
    );
  }
  const svg = await renderChartSvg(chart, size.width, size.height);
  return format === 'svg' ? Buffer.from(svg, 'utf8') : svgToPng(svg, 2);
}
