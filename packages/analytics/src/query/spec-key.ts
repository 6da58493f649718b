import { createHash } from 'node:crypto';
import type { ParsedQuerySpec } from '@cdp/contracts';

/** JSON with object keys sorted at every level: equal specs give equal text whatever order their keys came in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 of the parsed spec (defaults filled in, so `{}` and `{ joins: [] }` are the same query). */
export function specKey(spec: ParsedQuerySpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}
