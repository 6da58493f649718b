import { z } from 'zod';

export const Uuid = z.uuid();

/** Any 8-4-4-4-12 hex id (not only RFC 4122 variants): the one UUID check outside zod schemas. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
export const IsoDateTime = z.iso.datetime({ offset: true });
export const Email = z.string().trim().toLowerCase().pipe(z.email('Enter a valid e-mail address.').max(254));

/** A reason is what an auditor reads later: it must say something. */
export const Reason = z.string().trim().min(3, 'Give a reason (at least 3 characters).').max(1000);

export const IdParams = z.strictObject({ id: Uuid });

export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});

/**
 * The envelopes (docs/api.md, "Envelopes"): one resource is `{ data, permissions }`; a list is
 * `{ data, page?, meta? }`, where `page` says where a paged list stands and `meta` holds facts
 * about the list as a whole (e.g. `meta.permissions`: what the caller may do with the collection).
 */
export const PageInfo = z.object({
  number: z.number().int(),
  size: z.number().int(),
  total: z.number().int(),
});
export type PageInfo = z.infer<typeof PageInfo>;

/** A single resource together with what the caller may do with it. */
export function withPermissions<T extends z.ZodType>(item: T) {
  return z.object({ data: item, permissions: z.array(z.string()) });
}

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item) });
}

export function paged<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), page: PageInfo });
}

export function listWithMeta<T extends z.ZodType, M extends z.ZodType>(item: T, meta: M) {
  return z.object({ data: z.array(item), meta });
}

/** `meta` of a list whose collection the caller may act on (create, …). */
export const CollectionMeta = z.object({ permissions: z.array(z.string()) });
