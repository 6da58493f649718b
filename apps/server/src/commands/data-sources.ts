import path from 'node:path';
import {
  type CreateDataSource,
  type DataSourceType,
  FolderSourceConfig,
  RaveSourceConfig,
  SftpSourceConfig,
  type UpdateDataSource,
} from '@cdp/contracts';
import { dataSourcePulls, dataSources, type Tx } from '@cdp/db';
import { and, eq, inArray } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { AppError, isUniqueViolation, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { encryptSecret, loadKeyring } from '../lib/secret-box.ts';
import { cronProblem } from '../pipelines/triggers.ts';
import { authorizeManage, SOURCE_MANAGE } from '../policies/data-source.ts';
import { lockedStudyFor } from '../policies/study.ts';
import { type DataSourceRow, findSource } from '../repositories/data-sources.repo.ts';

function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { issues: [{ path: field, message }] });
}

const CONFIG_SCHEMAS = { rave: RaveSourceConfig, sftp: SftpSourceConfig, folder: FolderSourceConfig } as const;

/** A configuration checked by its type's schema; a problem names the field (`body.config.port`). */
export function parseSourceConfig(ctx: AppContext, type: DataSourceType, raw: unknown): Record<string, unknown> {
  const parsed = CONFIG_SCHEMAS[type].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(['body', 'config', ...(issue?.path ?? []).map(String)].join('.'), issue?.message ?? 'invalid');
  }
  if (type === 'folder') {
    const folder = parsed.data as FolderSourceConfig;
    if (!ctx.config.importRoot) {
      throw invalid(
        'body.config.path',
        'watched folders are off on this server (the administrator has not set IMPORT_ROOT)',
      );
    }
    if (path.isAbsolute(folder.path) || folder.path.split(/[\\/]/).includes('..')) {
      throw invalid('body.config.path', 'give a folder inside the import root, without ".." or a leading "/"');
    }
  }
  return parsed.data as Record<string, unknown>;
}

function checkSchedule(schedule: { cron: string; timeZone: string } | null | undefined): void {
  if (!schedule) return;
  const problem = cronProblem(schedule.cron, schedule.timeZone);
  if (problem) throw invalid('body.schedule.cron', problem);
}

/** Whether a type of source needs a secret: Rave and sFTP do, a watched folder never has one. */
function needsSecret(type: DataSourceType): boolean {
  return type !== 'folder';
}

function nameTaken(name: string): AppError {
  return new AppError('CONFLICT', `The study already has a data source named ${name}.`);
}

/** What the audit trail records of a source: everything but the secret, of which only whether it is set. */
function audited(row: DataSourceRow) {
  return {
    name: row.name,
    type: row.type,
    studyId: row.studyId,
    config: row.config,
    schedule: row.schedule ?? null,
    enabled: row.enabled,
    autoActivate: row.autoActivate,
    secret: row.secretCiphertext === null ? 'none' : 'set',
  };
}

export async function createDataSource(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; source: CreateDataSource },
): Promise<DataSourceRow> {
  const { source } = input;
  const config = parseSourceConfig(ctx, source.type, source.config);
  checkSchedule(source.schedule);
  if (needsSecret(source.type) && !source.secret) {
    throw invalid(
      'body.secret',
      `a ${source.type === 'rave' ? 'Rave password or token' : 'password or private key'} is needed`,
    );
  }
  if (!needsSecret(source.type) && source.secret) throw invalid('body.secret', 'a watched folder takes no secret');
  const ring = await loadKeyring(ctx.config);
  return ctx.database.tenant(author.orgId, async (tx) => {
    await lockedStudyFor(tx, author, input.studyId, SOURCE_MANAGE);
    const now = new Date();
    let row: DataSourceRow | undefined;
    try {
      [row] = await tx
        .insert(dataSources)
        .values({
          orgId: author.orgId,
          studyId: input.studyId,
          name: source.name,
          type: source.type,
          config,
          secretCiphertext: source.secret ? encryptSecret(ring, source.secret) : null,
          secretSetAt: source.secret ? now : null,
          schedule: source.schedule,
          enabled: source.enabled,
          autoActivate: source.autoActivate,
          createdBy: userIdOf(author),
        })
        .returning();
    } catch (error) {
      if (isUniqueViolation(error, 'data_sources_study_name')) throw nameTaken(source.name);
      throw error;
    }
    if (!row) throw new Error('data source insert returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'data_source.created',
      resourceType: 'data_source',
      resourceId: row.id,
      newValues: audited(row),
    });
    return row;
  });
}

async function lockedSource(tx: Tx, author: Author, studyId: string, sourceId: string): Promise<DataSourceRow> {
  const row = await findSource(tx, author.orgId, studyId, sourceId, { forUpdate: true });
  if (!row) throw notFound('Data source');
  authorizeManage(author, row);
  return row;
}

export async function updateDataSource(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; sourceId: string; change: UpdateDataSource },
): Promise<DataSourceRow> {
  const { change } = input;
  checkSchedule(change.schedule);
  return ctx.database.tenant(author.orgId, async (tx) => {
    const before = await lockedSource(tx, author, input.studyId, input.sourceId);
    const config = change.config === undefined ? undefined : parseSourceConfig(ctx, before.type, change.config);
    let row: DataSourceRow | undefined;
    try {
      [row] = await tx
        .update(dataSources)
        .set({
          ...(change.name === undefined ? {} : { name: change.name }),
          ...(config === undefined ? {} : { config }),
          ...(change.schedule === undefined ? {} : { schedule: change.schedule, scheduleFiredAt: null }),
          ...(change.enabled === undefined ? {} : { enabled: change.enabled }),
          ...(change.autoActivate === undefined ? {} : { autoActivate: change.autoActivate }),
          updatedAt: new Date(),
        })
        .where(eq(dataSources.id, before.id))
        .returning();
    } catch (error) {
      if (isUniqueViolation(error, 'data_sources_study_name')) throw nameTaken(change.name ?? before.name);
      throw error;
    }
    if (!row) throw new Error('data source update returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'data_source.updated',
      resourceType: 'data_source',
      resourceId: row.id,
      oldValues: audited(before),
      newValues: audited(row),
    });
    return row;
  });
}

/** Replaces the stored secret; the trail records that it was replaced and when, never the value. */
export async function replaceDataSourceSecret(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; sourceId: string; secret: string },
): Promise<DataSourceRow> {
  const ring = await loadKeyring(ctx.config);
  return ctx.database.tenant(author.orgId, async (tx) => {
    const before = await lockedSource(tx, author, input.studyId, input.sourceId);
    if (!needsSecret(before.type)) throw invalid('body.secret', 'a watched folder takes no secret');
    const now = new Date();
    const [row] = await tx
      .update(dataSources)
      .set({ secretCiphertext: encryptSecret(ring, input.secret), secretSetAt: now, updatedAt: now })
      .where(eq(dataSources.id, before.id))
      .returning();
    if (!row) throw new Error('data source update returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'data_source.secret_replaced',
      resourceType: 'data_source',
      resourceId: row.id,
      oldValues: { secretSetAt: before.secretSetAt?.toISOString() ?? null },
      newValues: { secretSetAt: now.toISOString() },
    });
    return row;
  });
}

/**
 * Deletes a source: it stops pulling at once (a queued pull is cancelled, a running one asked to
 * stop) and disappears from lists; its row, pulls and versions stay, so the trail stays explained.
 */
export async function deleteDataSource(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; sourceId: string },
): Promise<void> {
  await ctx.database.tenant(author.orgId, async (tx) => {
    const before = await lockedSource(tx, author, input.studyId, input.sourceId);
    const now = new Date();
    await tx
      .update(dataSources)
      .set({ deletedAt: now, enabled: false, secretCiphertext: null, updatedAt: now })
      .where(eq(dataSources.id, before.id));
    await tx
      .update(dataSourcePulls)
      .set({
        status: 'CANCELLED',
        finishedAt: now,
        cancelRequestedAt: now,
        message: 'Cancelled: the source was deleted',
      })
      .where(and(eq(dataSourcePulls.sourceId, before.id), eq(dataSourcePulls.status, 'QUEUED')));
    await tx
      .update(dataSourcePulls)
      .set({ cancelRequestedAt: now })
      .where(and(eq(dataSourcePulls.sourceId, before.id), inArray(dataSourcePulls.status, ['RUNNING'])));
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'data_source.deleted',
      resourceType: 'data_source',
      resourceId: before.id,
      oldValues: audited(before),
    });
  });
}
