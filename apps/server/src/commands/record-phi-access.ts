import { phiAccessLog } from '@cdp/db';
import type { Actor } from '../auth/actor.ts';
import { NO_ORIGIN, type Origin } from '../auth/author.ts';
import type { AppContext } from '../lib/context.ts';
import { type PhiRead, PhiReads, withPhiReads } from '../phi/phi-reads.ts';

/**
 * Appends one PHI access log row per dataset whose PHI columns a response carried in clear. The
 * table is append-only (a trigger refuses UPDATE, DELETE and TRUNCATE), as the audit trail is.
 */
export async function recordPhiAccess(
  ctx: AppContext,
  actor: Actor,
  origin: Origin,
  route: string,
  reads: PhiRead[],
): Promise<void> {
  if (reads.length === 0) return;
  await ctx.database.tenant(actor.orgId, (tx) =>
    tx.insert(phiAccessLog).values(
      reads.map((read) => ({
        orgId: actor.orgId,
        studyId: read.studyId,
        userId: actor.userId,
        apiKeyId: actor.apiKey?.id ?? null,
        ip: origin.ip,
        userAgent: origin.userAgent,
        dataset: read.dataset.toUpperCase(),
        columns: read.columns.map((c) => c.toUpperCase()),
        rows: read.rows,
        route,
      })),
    ),
  );
}

/**
 * A job that hands PHI to a person (a dashboard export, a scheduled report) runs its reads in its
 * own record and logs them for the user it acts for, naming the job as the route (`job
 * exports.render · export <id>`). Only datasets whose PHI columns were read in clear are logged; a
 * job that fails before producing anything logs nothing.
 */
export async function withJobPhiLog<T>(ctx: AppContext, actor: Actor, route: string, fn: () => Promise<T>): Promise<T> {
  const reads = new PhiReads();
  const result = await withPhiReads(reads, fn);
  await recordPhiAccess(ctx, actor, NO_ORIGIN, route, reads.all());
  return result;
}
