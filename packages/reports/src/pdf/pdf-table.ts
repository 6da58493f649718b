import type { WidgetColumn } from '@cdp/contracts';
import { cellText, isNumericColumn } from '../cells.ts';

export const TABLE_FONT_SIZE = 7.5;
const PAD_X = 3;
const PAD_Y = 2.5;
const MIN_COLUMN = 36;

export interface TableBox {
  x: number;
  width: number;
}

/** Column widths from the longest text of each column (header included), fitted to the width. */
export function columnWidths(
  doc: PDFKit.PDFDocument,
  columns: readonly WidgetColumn[],
  rows: readonly unknown[][],
  width: number,
): number[] {
  doc.font('Sans').fontSize(TABLE_FONT_SIZE);
  const sample = rows.slice(0, 200);
  const wanted = columns.map((column, i) => {
    const header = doc.font('Sans-Bold').widthOfString(column.label);
    doc.font('Sans');
    const longest = Math.max(0, ...sample.map((row) => doc.widthOfString(cellText(row[i], column))));
    // A long label wraps: it asks for no more than its cells do, or half its own width.
    return Math.max(MIN_COLUMN, Math.min(Math.max(longest, header / 2), 220) + 2 * PAD_X);
  });
  const total = wanted.reduce((a, b) => a + b, 0);
  if (total <= width) {
    // Spread what is left over so the table spans its box.
    const extra = (width - total) / wanted.length;
    return wanted.map((w) => w + extra);
  }
  return wanted.map((w) => (w / total) * width);
}

function rowHeight(doc: PDFKit.PDFDocument, texts: string[], widths: number[], bold: boolean): number {
  doc.font(bold ? 'Sans-Bold' : 'Sans').fontSize(TABLE_FONT_SIZE);
  const heights = texts.map((text, i) => doc.heightOfString(text || ' ', { width: (widths[i] ?? 0) - 2 * PAD_X }));
  return Math.max(...heights, TABLE_FONT_SIZE * 1.2) + 2 * PAD_Y;
}

function drawRow(
  doc: PDFKit.PDFDocument,
  texts: string[],
  columns: readonly WidgetColumn[],
  widths: number[],
  x: number,
  y: number,
  height: number,
  style: { bold: boolean; fill?: string },
): void {
  const width = widths.reduce((a, b) => a + b, 0);
  if (style.fill) doc.save().rect(x, y, width, height).fill(style.fill).restore();
  doc
    .save()
    .moveTo(x, y + height)
    .lineTo(x + width, y + height)
    .lineWidth(0.4)
    .strokeColor(style.bold ? '#94a3b8' : '#e2e8f0')
    .stroke()
    .restore();
  doc
    .font(style.bold ? 'Sans-Bold' : 'Sans')
    .fontSize(TABLE_FONT_SIZE)
    .fillColor(style.bold ? '#0f172a' : '#334155');
  let left = x;
  texts.forEach((text, i) => {
    const w = widths[i] ?? 0;
    const column = columns[i];
    const align = column && isNumericColumn(column) ? 'right' : 'left';
    doc.text(text, left + PAD_X, y + PAD_Y, { width: w - 2 * PAD_X, align, lineBreak: true });
    left += w;
  });
}

/**
 * Draws a table from `y` down, row by row; when the next row does not fit above `bottom`, asks
 * `nextPage` for a fresh page (which returns the new top) and repeats the header there. A row is
 * never split across pages and no row is left out. Returns where the table ends.
 */
export function drawTable(
  doc: PDFKit.PDFDocument,
  columns: readonly WidgetColumn[],
  rows: readonly unknown[][],
  box: TableBox,
  y: number,
  bottom: number,
  nextPage: () => number,
): number {
  const widths = columnWidths(doc, columns, rows, box.width);
  const header = columns.map((c) => c.label);
  const headerHeight = rowHeight(doc, header, widths, true);
  let top = y;
  const drawHeader = () => {
    drawRow(doc, header, columns, widths, box.x, top, headerHeight, { bold: true, fill: '#f1f5f9' });
    top += headerHeight;
  };
  if (top + headerHeight * 2 > bottom) top = nextPage();
  drawHeader();
  rows.forEach((row, index) => {
    const texts = columns.map((column, i) => cellText(row[i], column));
    const height = rowHeight(doc, texts, widths, false);
    if (top + height > bottom) {
      top = nextPage();
      drawHeader();
    }
    drawRow(doc, texts, columns, widths, box.x, top, height, {
      bold: false,
      ...(index % 2 === 1 ? { fill: '#f8fafc' } : {}),
    });
    top += height;
  });
  return top;
}

/** How tall a table would be drawn in one piece (to decide whether it fits its grid cell). */
export function tableHeight(
  doc: PDFKit.PDFDocument,
  columns: readonly WidgetColumn[],
  rows: readonly unknown[][],
  width: number,
): number {
  const widths = columnWidths(doc, columns, rows, width);
  let height = rowHeight(
    doc,
    columns.map((c) => c.label),
    widths,
    true,
  );
  for (const row of rows) {
    height += rowHeight(
      doc,
      columns.map((column, i) => cellText(row[i], column)),
      widths,
      false,
    );
  }
  return height;
}
