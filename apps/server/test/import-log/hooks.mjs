import { appendFileSync } from 'node:fs';

/** Module customization hook (register.mjs): records each resolved URL, changes nothing. */
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (process.env.CDP_IMPORT_LOG) appendFileSync(process.env.CDP_IMPORT_LOG, `${resolved.url}\n`);
  return resolved;
}
