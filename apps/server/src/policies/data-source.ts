import type { DataSourceType, Permission } from '@cdp/contracts';
import { FEATURES, featureEnabled } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import type { Author } from '../auth/author.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { featureDisabled } from '../plugins/features.ts';
import {
  type DataSourcePullLogRow,
  type DataSourcePullRow,
  type DataSourceRow,
  findPull,
  findSource,
  listPulls,
  listSources,
  pullLog,
  type SourceWithStudy,
  sourceWithStudy,
} from '../repositories/data-sources.repo.ts';
import { listVisibleStudies, type StudyRow } from '../repositories/studies.repo.ts';
import { can, type Grantee, heldOf } from './can.ts';
import { authorizeStudy, studyFor } from './study.ts';

/** Viewing a study's sources needs `data:view`; adding, changing, testing and pulling them `data:upload`. */
export const SOURCE_VIEW: Permission = 'data:view:assigned';
export const SOURCE_MANAGE: Permission = 'data:upload:assigned';

const SOURCE_PERMISSIONS = [SOURCE_VIEW, SOURCE_MANAGE] as const satisfies readonly Permission[];

/** The feature flag a type of source belongs to. */
export function featureOfType(type: DataSourceType) {
  return type === 'rave' ? ('rave_connector' as const) : ('sftp_connector' as const);
}

/** 403 FEATURE_DISABLED when the organization has switched this type of source off. */
export function requireTypeEnabled(who: { features?: Record<string, boolean> | null }, type: DataSourceType): void {
  const flag = featureOfType(type);
  if (FEATURES[flag].available && !featureEnabled(who.features ?? null, flag)) throw featureDisabled(flag);
}

/** The source named in the URL, of a study the actor may do `permission` on; 404 otherwise. */
export async function sourceFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; sid: string },
  permission: Permission,
): Promise<{ study: StudyRow; source: SourceWithStudy }> {
  const study = await studyFor(ctx, actor, params.id, permission);
  const source = await ctx.database.tenant(actor.orgId, async (tx) => {
    const row = await findSource(tx, actor.orgId, study.id, params.sid);
    return row ? sourceWithStudy(tx, row) : null;
  });
  if (!source) throw notFound('Data source');
  return { study, source };
}

/** A pull of the source named in the URL. */
export async function pullFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; sid: string; pullId: string },
  permission: Permission,
): Promise<{ study: StudyRow; source: SourceWithStudy; pull: DataSourcePullRow }> {
  const { study, source } = await sourceFor(ctx, actor, params, permission);
  const pull = await ctx.database.tenant(actor.orgId, (tx) => findPull(tx, actor.orgId, source.row.id, params.pullId));
  if (!pull) throw notFound('Pull');
  return { study, source, pull };
}

/** Every source of the studies whose data the actor may view (the organization's Data Sources page). */
export async function visibleSources(ctx: AppContext, actor: Actor): Promise<SourceWithStudy[]> {
  return ctx.database.tenant(actor.orgId, async (tx) => {
    const studies = await listVisibleStudies(tx, actor, {});
    const ids = studies.filter((s) => can(actor, SOURCE_VIEW, s.id)).map((s) => s.id);
    return listSources(tx, actor.orgId, ids);
  });
}

/** Inside a command's transaction: whether the author may manage the source's study (the system may). */
export function authorizeManage(author: Author, source: Pick<DataSourceRow, 'studyId'>): void {
  if (author.type === 'system') return;
  authorizeStudy(author, SOURCE_MANAGE, { id: source.studyId });
}

export function dataSourcePermissions(who: Grantee, studyId: string): string[] {
  return heldOf(who, SOURCE_PERMISSIONS, studyId);
}

/** A source just written, as the response shows it. */
export async function loadSource(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  sourceId: string,
): Promise<SourceWithStudy> {
  const found = await ctx.database.tenant(orgId, async (tx) => {
    const row = await findSource(tx, orgId, studyId, sourceId);
    return row ? sourceWithStudy(tx, row) : null;
  });
  if (!found) throw notFound('Data source');
  return found;
}

/** A study's sources; the caller has checked the study. */
export function studySources(ctx: AppContext, orgId: string, studyId: string): Promise<SourceWithStudy[]> {
  return ctx.database.tenant(orgId, (tx) => listSources(tx, orgId, [studyId]));
}

/** A saved source's row with its encrypted secret, for a connection test or a Rave study list. */
export async function sourceRow(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  sourceId: string,
): Promise<DataSourceRow> {
  const row = await ctx.database.tenant(orgId, (tx) => findSource(tx, orgId, studyId, sourceId));
  if (!row) throw notFound('Data source');
  return row;
}

export function pullsOf(ctx: AppContext, orgId: string, sourceId: string): Promise<DataSourcePullRow[]> {
  return ctx.database.tenant(orgId, (tx) => listPulls(tx, orgId, sourceId));
}

/** A pull with its log; the caller has checked the source. */
export async function pullDetail(
  ctx: AppContext,
  orgId: string,
  sourceId: string,
  pullId: string,
): Promise<{ pull: DataSourcePullRow; log: DataSourcePullLogRow[] }> {
  const found = await ctx.database.tenant(orgId, async (tx) => {
    const pull = await findPull(tx, orgId, sourceId, pullId);
    return pull ? { pull, log: await pullLog(tx, orgId, pull.id) } : null;
  });
  if (!found) throw notFound('Pull');
  return found;
}
