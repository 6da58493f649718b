import { z } from 'zod';

export const Uuid = z.uuid();
export const IsoDateTime = z.iso.datetime({ offset: true });
export const Email = z.string().trim().toLowerCase().pipe(z.email('Enter a valid e-mail address.').max(254));

/** A reason is what an auditor reads later: it must say something. */
export const Reason = z.string().trim().min(3, 'Give a reason (at least 3 characters).').max(1000);

export const IdParams = z.strictObject({ id: Uuid });

export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});

export function paged<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    page: z.number().int(),
    pageSize: z.number().int(),
    total: z.number().int(),
  });
}

/** A single resource together with what the caller may do with it. */
export function withPermissions<T extends z.ZodType>(item: T) {
  return z.object({ data: item, permissions: z.array(z.string()) });
}

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item) });
}
