/**
 * Very long SVG paths (a large scatter drawn as one path: see `thinnedForPrint`) drawn by pdfkit's
 * own path parser instead of svg-to-pdfkit, which builds an object with lengths and bounds for
 * every segment (a thousand outlier circles: ~4,000 Bézier objects, a second of work under load).
 * Only plain paths qualify: no transform, no class-driven style, colours pdfkit reads (hex or none).
 */

/** A path's `d` at least this long is drawn directly. */
export const LARGE_PATH_CHARS = 20_000;

export interface LargePath {
  d: string;
  fill: string | null;
  stroke: string | null;
  strokeWidth: number;
  fillOpacity: number;
  strokeOpacity: number;
}

const PATH = /<path\b([^>]*)>(?:<\/path>)?/g;
const ATTR = /([\w:-]+)="([^"]*)"/g;
const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

function paint(value: string | undefined): string | null | undefined {
  if (value === undefined || value === 'none' || value === 'transparent') return null;
  return HEX.test(value) ? value : undefined;
}

function opacity(value: string | undefined): number {
  const n = value === undefined ? 1 : Number(value);
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 1;
}

/** The SVG without its long plain paths, and those paths (in document order) to draw on top of it. */
export function splitLargePaths(svg: string): { svg: string; paths: LargePath[] } {
  const paths: LargePath[] = [];
  const rest = svg.replace(PATH, (element, attributes: string) => {
    if (attributes.length < LARGE_PATH_CHARS) return element;
    const attrs = Object.fromEntries([...attributes.matchAll(ATTR)].map((m) => [m[1], m[2]]));
    const d = attrs.d;
    // SVG's default fill is black: a path without one is left to svg-to-pdfkit, as is anything unusual.
    const fill = attrs.fill === undefined ? undefined : paint(attrs.fill);
    const stroke = paint(attrs.stroke);
    if (!d || d.length < LARGE_PATH_CHARS || attrs.transform || attrs.style || attrs['clip-path']) return element;
    if (fill === undefined || stroke === undefined) return element;
    const all = opacity(attrs.opacity);
    paths.push({
      d,
      fill,
      stroke,
      strokeWidth: attrs['stroke-width'] === undefined ? 1 : Number(attrs['stroke-width']) || 0,
      fillOpacity: all * opacity(attrs['fill-opacity']),
      strokeOpacity: all * opacity(attrs['stroke-opacity']),
    });
    return '';
  });
  return { svg: rest, paths };
}

/**
 * Draws the paths in the cell as svg-to-pdfkit places the SVG: its viewBox (`viewWidth` ×
 * `viewHeight`) scaled uniformly into the box and centred (`xMidYMid meet`), clipped to the box.
 */
export function drawLargePaths(
  doc: PDFKit.PDFDocument,
  paths: readonly LargePath[],
  box: { x: number; y: number; width: number; height: number },
  view: { width: number; height: number },
): void {
  if (paths.length === 0) return;
  const scale = Math.min(box.width / view.width, box.height / view.height);
  const dx = box.x + (box.width - view.width * scale) / 2;
  const dy = box.y + (box.height - view.height * scale) / 2;
  doc.save();
  doc.rect(box.x, box.y, box.width, box.height).clip();
  doc.transform(scale, 0, 0, scale, dx, dy);
  for (const path of paths) {
    doc.save();
    doc.path(path.d);
    if (path.fill) doc.fillColor(path.fill, path.fillOpacity);
    if (path.stroke) doc.strokeColor(path.stroke, path.strokeOpacity).lineWidth(path.strokeWidth);
    if (path.fill && path.stroke && path.strokeWidth > 0) doc.fillAndStroke();
    else if (path.fill) doc.fill();
    else if (path.stroke && path.strokeWidth > 0) doc.stroke();
    doc.restore();
  }
  doc.restore();
}
