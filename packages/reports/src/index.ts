export { drawnAs, formatMetric } from './cells.ts';
export { renderChartSvg, svgToPng } from './chart-svg.ts';
export { renderPdf } from './pdf/render-pdf.ts';
export { type SignedCopyInput, type SignedCopySignature, signedPdfCopy } from './pdf/signed-copy.ts';
export { renderPptx } from './pptx/render-pptx.ts';
export type * from './types.ts';
export { warmRenderers } from './warm.ts';
export { ReportFormatError, widgetCsv, widgetPicture } from './widget-files.ts';
export { renderWidgetXlsx, renderXlsx } from './xlsx/render-xlsx.ts';
