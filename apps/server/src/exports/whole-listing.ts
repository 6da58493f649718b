import type { WidgetDataResponse, WidgetDefinition } from '@cdp/contracts';

/** Listings are asked for in chunks of their type's largest page (1,000 rows), as the reader pages. */
export const LISTING_CHUNK_ROWS = 1000;
/** Chunks asked for at once: each is a sorted scan of the listing, so a few at a time keeps DuckDB's threads for others. */
const CHUNKS_AT_ONCE = 4;

/** Whether a widget is a listing (it pages through `pageSize` rows). */
export function isListingWidget(widget: WidgetDefinition | undefined): boolean {
  const options = widget?.options as Record<string, unknown> | undefined;
  return typeof options?.pageSize === 'number';
}

/**
 * A listing's answer completed to every row, at most `maxRows`: the chunks after the first are asked
 * for through the same paging (`offset`) the screen uses, so the rows and their order are the
 * screen's. A chunk that comes back empty (a type that cannot page further, e.g. lab outliers past
 * 10,000 records) ends it; `total` is kept, so the document says how many rows it holds of how many.
 */
export async function wholeListing(
  first: WidgetDataResponse,
  chunkAt: (offset: number) => Promise<WidgetDataResponse>,
  maxRows: number,
): Promise<WidgetDataResponse> {
  const total = first.total ?? first.rows.length;
  const wanted = Math.min(total, maxRows);
  if (first.rows.length >= wanted) return { ...first, rows: first.rows.slice(0, wanted) };
  const rows = [...first.rows];
  const offsets: number[] = [];
  for (let offset = first.rows.length; offset < wanted; offset += LISTING_CHUNK_ROWS) offsets.push(offset);
  for (let i = 0; i < offsets.length; i += CHUNKS_AT_ONCE) {
    const chunks = await Promise.all(offsets.slice(i, i + CHUNKS_AT_ONCE).map(chunkAt));
    let ended = false;
    for (const chunk of chunks) {
      if (ended) break;
      rows.push(...chunk.rows);
      if (chunk.rows.length < LISTING_CHUNK_ROWS) ended = true;
    }
    if (ended) break;
  }
  return { ...first, rows: rows.slice(0, wanted) };
}
