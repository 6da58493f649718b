import { pipelineRuns, pipelines, type Tx } from '@cdp/db';
import cronParser from 'cron-parser';
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { systemAuthor } from '../auth/author.ts';
import { queueRunIn } from '../commands/pipeline-runs.ts';
import type { AppContext } from '../lib/context.ts';
import type { PipelineRow } from '../repositories/pipelines.repo.ts';
import { downstreamOrder, type PipelineNode } from './dependency-graph.ts';

/** A schedule's occurrence missed by more than this (the workers were down) is skipped, not caught up. */
const SCHEDULE_GRACE_MS = 10 * 60_000;

function upstreamOf(row: Pick<PipelineRow, 'inputs'>): string[] {
  return [...new Set(row.inputs.flatMap((i) => (i.source.kind === 'pipeline' ? [i.source.pipelineId] : [])))];
}

function nodesOf(rows: PipelineRow[]): PipelineNode[] {
  return rows.map((r) => ({ id: r.id, name: r.name, upstream: upstreamOf(r) }));
}

async function studyPipelines(tx: Tx, orgId: string, studyId: string): Promise<PipelineRow[]> {
  return tx
    .select()
    .from(pipelines)
    .where(and(eq(pipelines.orgId, orgId), eq(pipelines.studyId, studyId)))
    .for('update');
}

async function activeIds(tx: Tx, orgId: string, studyId: string): Promise<Set<string>> {
  const rows = await tx
    .select({ id: pipelineRuns.pipelineId })
    .from(pipelineRuns)
    .where(
      and(
        eq(pipelineRuns.orgId, orgId),
        eq(pipelineRuns.studyId, studyId),
        inArray(pipelineRuns.status, ['QUEUED', 'RUNNING']),
      ),
    );
  return new Set(rows.map((r) => r.id));
}

/**
 * Queues each of `candidates` (already in dependency order) unless it is queued or running, or
 * one of its upstream pipelines is (it will run after that one succeeds, if it follows upstream).
 */
async function queueInOrder(
  tx: Tx,
  orgId: string,
  studyId: string,
  rows: PipelineRow[],
  candidates: string[],
  trigger: 'upstream' | 'source_activation',
): Promise<string[]> {
  const active = await activeIds(tx, orgId, studyId);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const queued: string[] = [];
  for (const id of candidates) {
    const row = byId.get(id);
    if (!row || active.has(id)) continue;
    if (row.triggers.afterUpstream && upstreamOf(row).some((up) => active.has(up))) continue;
    await queueRunIn(tx, systemAuthor(orgId), { studyId, pipelineId: id, trigger });
    active.add(id);
    queued.push(id);
  }
  return queued;
}

/**
 * After a pipeline's run succeeded: the pipelines reading its outputs (and following upstream) are
 * queued in dependency order. One whose other upstream pipeline is still queued or running waits
 * for that one: it is queued when the last of them succeeds.
 */
export async function queueDownstream(
  ctx: AppContext,
  input: { orgId: string; studyId: string; pipelineId: string },
): Promise<string[]> {
  return ctx.database.tenant(input.orgId, async (tx) => {
    const rows = await studyPipelines(tx, input.orgId, input.studyId);
    const direct = new Set(
      rows.filter((r) => r.triggers.afterUpstream && upstreamOf(r).includes(input.pipelineId)).map((r) => r.id),
    );
    const order = downstreamOrder(nodesOf(rows), input.pipelineId).filter((id) => direct.has(id));
    return queueInOrder(tx, input.orgId, input.studyId, rows, order, 'upstream');
  });
}

/**
 * A new source version became active: inside the activation's transaction, the pipelines that run
 * on activation are queued in dependency order (a chained one that follows upstream runs after it).
 */
export async function queueOnSourceActivation(tx: Tx, orgId: string, studyId: string): Promise<string[]> {
  const rows = await studyPipelines(tx, orgId, studyId);
  const wanted = rows.filter((r) => r.triggers.onSourceActivation);
  if (wanted.length === 0) return [];
  const nodes = nodesOf(rows);
  // Upstream first: a pipeline is placed after every pipeline it reads.
  const placed: string[] = [];
  const visit = (id: string) => {
    if (placed.includes(id)) return;
    for (const up of nodes.find((n) => n.id === id)?.upstream ?? []) visit(up);
    placed.push(id);
  };
  for (const row of wanted) visit(row.id);
  const order = placed.filter((id) => wanted.some((w) => w.id === id));
  return queueInOrder(tx, orgId, studyId, rows, order, 'source_activation');
}

/** The latest occurrence of a cron schedule at or before `now`, in its time zone. */
export function lastOccurrence(cron: string, timeZone: string, now: Date): Date {
  const expression = cronParser.parseExpression(cron, { tz: timeZone, currentDate: new Date(now.getTime() + 1) });
  return expression.prev().toDate();
}

/** Whether a cron expression parses; the message says what is wrong when it does not. */
export function cronProblem(cron: string, timeZone: string): string | null {
  try {
    cronParser.parseExpression(cron, { tz: timeZone });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The minute job: every pipeline whose cron schedule had an occurrence since it last fired (and
 * not longer ago than the grace period) is queued, once: `schedule_fired_at` records the
 * occurrence in the same transaction, so two workers never queue the same minute twice.
 */
export async function fireSchedules(ctx: AppContext, now = new Date()): Promise<number> {
  const due = await ctx.database.system((tx) =>
    tx
      .select({ id: pipelines.id, orgId: pipelines.orgId })
      .from(pipelines)
      .where(isNotNull(sql`${pipelines.triggers} -> 'schedule' -> 'cron'`)),
  );
  let fired = 0;
  for (const { id, orgId } of due) {
    const queued = await ctx.database.tenant(orgId, async (tx) => {
      const [row] = await tx.select().from(pipelines).where(eq(pipelines.id, id)).for('update');
      const schedule = row?.triggers.schedule;
      if (!row || !schedule) return false;
      let occurrence: Date;
      try {
        occurrence = lastOccurrence(schedule.cron, schedule.timeZone, now);
      } catch {
        return false;
      }
      const since = row.scheduleFiredAt ?? row.updatedAt;
      if (occurrence <= since || now.getTime() - occurrence.getTime() > SCHEDULE_GRACE_MS) return false;
      await tx.update(pipelines).set({ scheduleFiredAt: occurrence }).where(eq(pipelines.id, id));
      const active = await activeIds(tx, orgId, row.studyId);
      if (active.has(id)) return false;
      await queueRunIn(tx, systemAuthor(orgId), { studyId: row.studyId, pipelineId: id, trigger: 'schedule' });
      return true;
    });
    if (queued) fired += 1;
  }
  return fired;
}
