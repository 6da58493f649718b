import type { PhiAccessQuery } from '@cdp/contracts';
import { studies } from '@cdp/db';
import { and, eq, inArray } from 'drizzle-orm';
import type { Actor } from '../auth/actor.ts';
import type { AppContext } from '../lib/context.ts';
import { phiAccessByUserMonth, searchPhiAccess } from '../repositories/phi.repo.ts';

async function studyCodes(ctx: AppContext, orgId: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.database.tenant(orgId, (tx) =>
    tx
      .select({ id: studies.id, code: studies.code })
      .from(studies)
      .where(and(eq(studies.orgId, orgId), inArray(studies.id, ids))),
  );
  return new Map(rows.map((r) => [r.id, r.code]));
}

/** The organization's PHI access log, newest first (the route requires `audit:view:own`). */
export async function phiAccessPageFor(ctx: AppContext, actor: Actor, query: PhiAccessQuery) {
  const { limit, offset, ...filter } = query;
  const page = await ctx.database.tenant(actor.orgId, (tx) =>
    searchPhiAccess(tx, actor.orgId, filter, { limit, offset }),
  );
  const codes = await studyCodes(ctx, actor.orgId, [...new Set(page.rows.map((r) => r.entry.studyId))]);
  return { ...page, codes };
}

/** PHI access per user per month over the filter. */
export async function phiAccessReportFor(ctx: AppContext, actor: Actor, query: PhiAccessQuery) {
  const { limit: _limit, offset: _offset, ...filter } = query;
  return ctx.database.tenant(actor.orgId, (tx) => phiAccessByUserMonth(tx, actor.orgId, filter));
}
