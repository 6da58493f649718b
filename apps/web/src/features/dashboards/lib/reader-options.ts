/** A reader's choices on one widget (`?options=` of its data route), e.g. `{ "severity": ["MILD"] }`. */
export type ReaderOptions = Record<string, unknown>;

/** Widget id → its reader's choices: the dashboard URL's `wo`. */
export type WidgetReaderOptions = Record<string, ReaderOptions>;

/**
 * The choices worth keeping: an empty list or "all" is the saved option's own value, so it is
 * dropped from the URL and the request. Keys sorted, so one choice is one cache entry.
 */
export function compactReaderOptions(options: ReaderOptions | undefined): ReaderOptions {
  if (!options) return {};
  return Object.fromEntries(
    Object.keys(options)
      .sort()
      .map((key) => [key, options[key]] as const)
      .filter(([, value]) => value !== undefined && value !== 'all' && !(Array.isArray(value) && value.length === 0)),
  );
}

/** The `options` query parameter: JSON of the compacted choices, or '' when there are none. */
export function readerOptionsParam(options: ReaderOptions | undefined): string {
  const compact = compactReaderOptions(options);
  return Object.keys(compact).length > 0 ? JSON.stringify(compact) : '';
}

/**
 * A widget's choices set in the URL's map: a widget left with none is removed, and an empty map is
 * undefined, so a plain dashboard link stays plain.
 */
export function withReaderOptions(
  all: WidgetReaderOptions | undefined,
  widgetId: string,
  options: ReaderOptions,
): WidgetReaderOptions | undefined {
  const next = { ...all };
  const compact = compactReaderOptions(options);
  if (Object.keys(compact).length > 0) next[widgetId] = compact;
  else delete next[widgetId];
  return Object.keys(next).length > 0 ? next : undefined;
}

/** Whether an `options` parameter holds a review-status choice (`review`), answered from the marks. */
export function hasReviewChoice(options: string): boolean {
  return options.includes('"review":');
}
