import type { DataVersionStamp } from '@cdp/contracts';
import type { AppContext } from '../lib/context.ts';
import { findDataVersionStamp } from '../repositories/data-version-stamp.repo.ts';

/** The stamp of the study's active data version (null without one), for a dashboard's header. */
export async function activeDataVersionStamp(
  ctx: AppContext,
  orgId: string,
  study: { id: string; activeDataVersionId: string | null },
): Promise<DataVersionStamp | null> {
  const versionId = study.activeDataVersionId;
  if (!versionId) return null;
  return ctx.database.tenant(orgId, (tx) => findDataVersionStamp(tx, orgId, study.id, versionId));
}
