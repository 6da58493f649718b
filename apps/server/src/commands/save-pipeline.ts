import type { PipelineDefinitionData } from '@cdp/contracts';
import { type PipelineInputJson, pipelines, pipelineVersions, type Tx } from '@cdp/db';
import { and, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { findCycle } from '../pipelines/dependency-graph.ts';
import { checkDefinition } from '../pipelines/validate-definition.ts';
import { lockedPipelineFor } from '../policies/pipeline.ts';
import { authorizeStudy } from '../policies/study.ts';
import { findPipelineVersion, type PipelineRow } from '../repositories/pipelines.repo.ts';

export interface PipelineStudy {
  id: string;
  activeDataVersionId: string | null;
}

function upstreamOf(inputs: PipelineInputJson[]): string[] {
  return [...new Set(inputs.flatMap((i) => (i.source.kind === 'pipeline' ? [i.source.pipelineId] : [])))];
}

/** 400 naming every place the definition is wrong; nothing is saved. */
async function assertValid(ctx: AppContext, author: Author, study: PipelineStudy, def: PipelineDefinitionData) {
  const { issues } = await checkDefinition(ctx, author.orgId, study, def);
  if (issues.length === 0) return;
  throw new AppError(
    'VALIDATION_FAILED',
    `The pipeline definition is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    { issues },
  );
}

/** Inside the save's transaction, with the study's pipelines locked: the new edges must not close a cycle. */
async function assertAcyclic(
  tx: Tx,
  author: Author,
  studyId: string,
  self: { id: string; name: string },
  inputs: PipelineInputJson[],
) {
  const rows = await tx
    .select({ id: pipelines.id, name: pipelines.name, inputs: pipelines.inputs })
    .from(pipelines)
    .where(and(eq(pipelines.orgId, author.orgId), eq(pipelines.studyId, studyId)))
    .for('update');
  const nodes = rows
    .filter((r) => r.id !== self.id)
    .map((r) => ({ id: r.id, name: r.name, upstream: upstreamOf(r.inputs) }));
  nodes.push({ id: self.id, name: self.name, upstream: upstreamOf(inputs) });
  const cycle = findCycle(nodes);
  if (cycle) {
    throw new AppError('VALIDATION_FAILED', `The pipelines' inputs would form a cycle: ${cycle.join(' → ')}.`, {
      issues: [{ path: 'inputs', message: `cycle: ${cycle.join(' → ')}` }],
      cycle,
    });
  }
}

async function recordVersion(tx: Tx, row: PipelineRow, author: Author, comment: string | null): Promise<void> {
  await tx.insert(pipelineVersions).values({
    orgId: row.orgId,
    pipelineId: row.id,
    version: row.version,
    name: row.name,
    description: row.description,
    kind: row.kind,
    body: row.body,
    inputs: row.inputs,
    outputs: row.outputs,
    triggers: row.triggers,
    comment,
    createdBy: userIdOf(author),
  });
}

function summary(row: PipelineRow) {
  return {
    version: row.version,
    name: row.name,
    kind: row.kind,
    inputs: row.inputs.map((i) => i.name),
    outputs: row.outputs,
    triggers: row.triggers,
  };
}

/** Creates a pipeline at version 1 (checked against the study's data first), with its history entry and audit event. */
export async function createPipeline(
  ctx: AppContext,
  author: Author,
  input: { study: PipelineStudy; definition: PipelineDefinitionData },
): Promise<PipelineRow> {
  const { study, definition: def } = input;
  authorizeStudy(author, 'pipeline:configure:assigned', study);
  await assertValid(ctx, author, study, def);
  return ctx.database.tenant(author.orgId, async (tx) => {
    const id = crypto.randomUUID();
    await assertAcyclic(tx, author, study.id, { id, name: def.name }, def.inputs as PipelineInputJson[]);
    const [row] = await tx
      .insert(pipelines)
      .values({
        id,
        orgId: author.orgId,
        studyId: study.id,
        name: def.name,
        description: def.description,
        kind: def.kind,
        body: def.body ?? null,
        inputs: def.inputs as PipelineInputJson[],
        outputs: def.outputs,
        triggers: def.triggers,
        version: 1,
        createdBy: userIdOf(author),
        updatedBy: userIdOf(author),
      })
      .returning();
    if (!row) throw new Error('pipeline insert returned nothing');
    await recordVersion(tx, row, author, 'Created');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'pipeline.created',
      resourceType: 'pipeline',
      resourceId: row.id,
      newValues: { studyId: study.id, ...summary(row) },
    });
    return row;
  });
}

function stale(current: number, edited: number): AppError {
  return new AppError(
    'CONFLICT',
    `This pipeline was saved by someone else since you opened it (you edited version ${edited}; it is now at version ${current}). Reload it to see their changes; nothing was overwritten.`,
    { currentVersion: current },
  );
}

/**
 * Saves a new version of a pipeline. Optimistic concurrency as for dashboards: the row is locked,
 * and an edit made on an older version than the stored one is a 409; nothing is overwritten.
 */
export async function updatePipeline(
  ctx: AppContext,
  author: Author,
  edit: {
    study: PipelineStudy;
    pipelineId: string;
    version: number;
    definition: PipelineDefinitionData;
    comment?: string;
  },
  action: 'pipeline.updated' | 'pipeline.restored' = 'pipeline.updated',
): Promise<PipelineRow> {
  const { study, definition: def } = edit;
  authorizeStudy(author, 'pipeline:configure:assigned', study);
  await assertValid(ctx, author, study, def);
  return ctx.database.tenant(author.orgId, async (tx) => {
    const found = await lockedPipelineFor(
      tx,
      author,
      { studyId: study.id, pipelineId: edit.pipelineId },
      'pipeline:configure:assigned',
    );
    const before = found.row;
    if (before.version !== edit.version) throw stale(before.version, edit.version);
    await assertAcyclic(tx, author, study.id, { id: before.id, name: def.name }, def.inputs as PipelineInputJson[]);
    const [row] = await tx
      .update(pipelines)
      .set({
        name: def.name,
        description: def.description,
        kind: def.kind,
        body: def.body ?? null,
        inputs: def.inputs as PipelineInputJson[],
        outputs: def.outputs,
        triggers: def.triggers,
        version: before.version + 1,
        updatedBy: userIdOf(author),
        updatedAt: new Date(),
      })
      .where(eq(pipelines.id, before.id))
      .returning();
    if (!row) throw new Error('pipeline update returned nothing');
    await recordVersion(tx, row, author, edit.comment ?? null);
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action,
      resourceType: 'pipeline',
      resourceId: row.id,
      oldValues: summary(before),
      newValues: { ...summary(row), comment: edit.comment ?? null },
    });
    return row;
  });
}

/** Restores an older version as a new one (history is never rewritten); checked like any save. */
export async function restorePipelineVersion(
  ctx: AppContext,
  author: Author,
  input: { study: PipelineStudy; pipelineId: string; version: number; current: number },
): Promise<PipelineRow> {
  const old = await ctx.database.tenant(author.orgId, (tx) =>
    findPipelineVersion(tx, author.orgId, input.pipelineId, input.version),
  );
  if (!old) throw notFound(`Pipeline version ${input.version}`);
  const v = old.version;
  return updatePipeline(
    ctx,
    author,
    {
      study: input.study,
      pipelineId: input.pipelineId,
      version: input.current,
      definition: {
        name: v.name,
        description: v.description,
        kind: v.kind,
        body: v.body,
        inputs: v.inputs,
        outputs: v.outputs,
        triggers: v.triggers,
      },
      comment: `Restored version ${input.version}`,
    },
    'pipeline.restored',
  );
}
