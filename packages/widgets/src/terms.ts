/**
 * Controlled terminology as people read it: `Completed`, `COMPLETED ` and `completed` are one
 * value. The query engine compares text the same way (upper-cased, trimmed), so a value the
 * widget sorts in JavaScript lands where the SQL put it.
 */
export function termKey(value: string): string {
  return value.trim().toUpperCase();
}

/** A set of terms that answers `has` case- and blank-insensitively. */
export function termSet(values: Iterable<string>): { has(value: string): boolean } {
  const keys = new Set([...values].map(termKey));
  return { has: (value) => keys.has(termKey(value)) };
}
