/**
 * `attachment` with the name as plain ASCII (for old clients) and in full as RFC 5987 UTF-8, so
 * "Études Überblick.pdf" keeps its letters where browsers support it.
 */
export function contentDisposition(fileName: string): string {
  const ascii =
    fileName
      .normalize('NFKD')
      .replace(/[^\x20-\x7e]/g, '')
      .replace(/["\\]/g, '_') || 'export';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
