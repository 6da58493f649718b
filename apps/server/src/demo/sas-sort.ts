/** Sort keys compare byte-wise, as SAS sorts them, never by locale (which would vary by ICU build). */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
