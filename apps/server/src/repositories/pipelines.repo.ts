import {
  type Database,
  pipelineOutputDatasets,
  pipelineOutputs,
  pipelineRunLogs,
  pipelineRuns,
  pipelines,
  pipelineVersions,
  type RawRow,
  rowOf,
  type Tx,
  users,
} from '@cdp/db';
import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';

export type PipelineRow = typeof pipelines.$inferSelect;
export type PipelineVersionRow = typeof pipelineVersions.$inferSelect;
export type PipelineRunRow = typeof pipelineRuns.$inferSelect;
export type PipelineRunLogRow = typeof pipelineRunLogs.$inferSelect;
export type PipelineOutputRow = typeof pipelineOutputs.$inferSelect;
export type PipelineOutputDatasetRow = typeof pipelineOutputDatasets.$inferSelect;

export interface Named {
  id: string;
  name: string;
}

export interface PipelineWithActor {
  row: PipelineRow;
  updatedBy: Named | null;
}

export interface RunWithActor {
  run: PipelineRunRow;
  requestedBy: Named | null;
}

function named(id: string | null, name: string | null): Named | null {
  return id ? { id, name: name ?? '' } : null;
}

/** A study's pipelines, by name. Always by org. */
export async function listPipelines(tx: Tx, orgId: string, studyId: string): Promise<PipelineWithActor[]> {
  const rows = await tx
    .select({ row: pipelines, userName: users.name })
    .from(pipelines)
    .leftJoin(users, eq(users.id, pipelines.updatedBy))
    .where(and(eq(pipelines.orgId, orgId), eq(pipelines.studyId, studyId)))
    .orderBy(asc(sql`lower(${pipelines.name})`), asc(pipelines.createdAt));
  return rows.map(({ row, userName }) => ({ row, updatedBy: named(row.updatedBy, userName) }));
}

export async function findPipeline(
  tx: Tx,
  orgId: string,
  studyId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<PipelineWithActor | null> {
  const query = tx
    .select({ row: pipelines, userName: users.name })
    .from(pipelines)
    .leftJoin(users, eq(users.id, pipelines.updatedBy))
    .where(and(eq(pipelines.orgId, orgId), eq(pipelines.studyId, studyId), eq(pipelines.id, id)))
    .limit(1);
  const rows = options.forUpdate ? await query.for('update', { of: pipelines }) : await query;
  const found = rows[0];
  return found ? { row: found.row, updatedBy: named(found.row.updatedBy, found.userName) } : null;
}

export async function listPipelineVersions(tx: Tx, orgId: string, pipelineId: string) {
  const rows = await tx
    .select({ version: pipelineVersions, userName: users.name })
    .from(pipelineVersions)
    .leftJoin(users, eq(users.id, pipelineVersions.createdBy))
    .where(and(eq(pipelineVersions.orgId, orgId), eq(pipelineVersions.pipelineId, pipelineId)))
    .orderBy(desc(pipelineVersions.version));
  return rows.map(({ version, userName }) => ({ version, createdBy: named(version.createdBy, userName) }));
}

export async function findPipelineVersion(tx: Tx, orgId: string, pipelineId: string, version: number) {
  const rows = await tx
    .select({ version: pipelineVersions, userName: users.name })
    .from(pipelineVersions)
    .leftJoin(users, eq(users.id, pipelineVersions.createdBy))
    .where(
      and(
        eq(pipelineVersions.orgId, orgId),
        eq(pipelineVersions.pipelineId, pipelineId),
        eq(pipelineVersions.version, version),
      ),
    )
    .limit(1);
  const found = rows[0];
  return found ? { version: found.version, createdBy: named(found.version.createdBy, found.userName) } : null;
}

export async function listRuns(tx: Tx, orgId: string, pipelineId: string, limit = 100): Promise<RunWithActor[]> {
  const rows = await tx
    .select({ run: pipelineRuns, userName: users.name })
    .from(pipelineRuns)
    .leftJoin(users, eq(users.id, pipelineRuns.requestedBy))
    .where(and(eq(pipelineRuns.orgId, orgId), eq(pipelineRuns.pipelineId, pipelineId)))
    .orderBy(desc(pipelineRuns.queuedAt))
    .limit(limit);
  return rows.map(({ run, userName }) => ({ run, requestedBy: named(run.requestedBy, userName) }));
}

/** The newest run of each of these pipelines. */
export async function lastRuns(tx: Tx, orgId: string, pipelineIds: string[]): Promise<Map<string, RunWithActor>> {
  if (pipelineIds.length === 0) return new Map();
  const rows = await tx
    .selectDistinctOn([pipelineRuns.pipelineId], { run: pipelineRuns, userName: users.name })
    .from(pipelineRuns)
    .leftJoin(users, eq(users.id, pipelineRuns.requestedBy))
    .where(and(eq(pipelineRuns.orgId, orgId), inArray(pipelineRuns.pipelineId, pipelineIds)))
    .orderBy(pipelineRuns.pipelineId, desc(pipelineRuns.queuedAt));
  return new Map(
    rows.map(({ run, userName }) => [run.pipelineId, { run, requestedBy: named(run.requestedBy, userName) }]),
  );
}

export async function findRun(
  tx: Tx,
  orgId: string,
  pipelineId: string,
  runId: string,
  options: { forUpdate?: boolean } = {},
): Promise<RunWithActor | null> {
  const query = tx
    .select({ run: pipelineRuns, userName: users.name })
    .from(pipelineRuns)
    .leftJoin(users, eq(users.id, pipelineRuns.requestedBy))
    .where(and(eq(pipelineRuns.orgId, orgId), eq(pipelineRuns.pipelineId, pipelineId), eq(pipelineRuns.id, runId)))
    .limit(1);
  const rows = options.forUpdate ? await query.for('update', { of: pipelineRuns }) : await query;
  const found = rows[0];
  return found ? { run: found.run, requestedBy: named(found.run.requestedBy, found.userName) } : null;
}

/** The most log lines one read answers (`runLog` and `readRunState`). */
const LOG_READ_LIMIT = 5000;

export async function runLog(tx: Tx, orgId: string, runId: string, after = 0): Promise<PipelineRunLogRow[]> {
  return tx
    .select()
    .from(pipelineRunLogs)
    .where(and(eq(pipelineRunLogs.orgId, orgId), eq(pipelineRunLogs.runId, runId), gt(pipelineRunLogs.seq, after)))
    .orderBy(asc(pipelineRunLogs.seq))
    .limit(LOG_READ_LIMIT);
}

/** A run with who asked for it, as `findRun` reads it (`tenantReads`: `:pipelineId`, `:runId`). */
const RUN_STATEMENT = `select r.*, u.name as requested_by_name from pipeline_runs r left join users u on u.id = r.requested_by
  where r.org_id = :orgId and r.pipeline_id = :pipelineId and r.id = :runId limit 1`;

/** A run's log lines after `after` (a checked integer, the only value inlined that is not a UUID), as `runLog` reads them. */
function logStatement(after: number): string {
  if (!Number.isSafeInteger(after) || after < 0) throw new Error(`invalid log position ${after}`);
  return `select * from pipeline_run_logs where org_id = :orgId and run_id = :runId and seq > ${after}
    order by seq limit ${LOG_READ_LIMIT}`;
}

function runStateOf(runs: RawRow[] | undefined, lines: RawRow[] | undefined) {
  const raw = runs?.[0];
  if (!raw) return { run: null, log: [] };
  const run = rowOf(pipelineRuns, raw);
  return {
    run: { run, requestedBy: named(run.requestedBy, (raw.requested_by_name as string | null) ?? null) },
    log: (lines ?? []).map((line) => rowOf(pipelineRunLogs, line)),
  };
}

/**
 * A run (as `findRun` reads it) and its log lines after `after` (as `runLog` reads them) in ONE
 * round trip (`tenantReads`): what a run's event stream reads at every change it is told of, the
 * run's last one included, between the run's end and the user seeing it. `findRun` and `runLog`
 * took four (BEGIN, each read, COMMIT), and drizzle built both statements anew each time.
 */
export async function readRunState(
  database: Database,
  orgId: string,
  pipelineId: string,
  runId: string,
  after: number,
): Promise<{ run: RunWithActor | null; log: PipelineRunLogRow[] }> {
  const [runs, lines] = await database.tenantReads(orgId, [RUN_STATEMENT, logStatement(after)], {
    pipelineId,
    runId,
  });
  return runStateOf(runs, lines);
}

/**
 * `readRunState` with whether the study (of the organization) and the pipeline (of the study) exist,
 * still ONE round trip: what a run's page and its event stream read first, where the study, then
 * the pipeline, run and log lines took two transactions (eight round trips).
 */
export async function readRunInStudy(
  database: Database,
  orgId: string,
  ids: { studyId: string; pipelineId: string; runId: string },
  after: number,
): Promise<{ study: boolean; pipeline: boolean; run: RunWithActor | null; log: PipelineRunLogRow[] }> {
  const [study, pipeline, runs, lines] = await database.tenantReads(
    orgId,
    [
      'select id from studies where org_id = :orgId and id = :studyId',
      'select id from pipelines where org_id = :orgId and study_id = :studyId and id = :pipelineId',
      RUN_STATEMENT,
      logStatement(after),
    ],
    ids,
  );
  return { study: Boolean(study?.length), pipeline: Boolean(pipeline?.length), ...runStateOf(runs, lines) };
}

export interface OutputWithDatasets {
  output: PipelineOutputRow;
  pipelineName: string;
  datasets: PipelineOutputDatasetRow[];
}

async function withDatasets(
  tx: Tx,
  orgId: string,
  rows: { output: PipelineOutputRow; pipelineName: string }[],
): Promise<OutputWithDatasets[]> {
  if (rows.length === 0) return [];
  const all = await tx
    .select()
    .from(pipelineOutputDatasets)
    .where(
      and(
        eq(pipelineOutputDatasets.orgId, orgId),
        inArray(
          pipelineOutputDatasets.outputId,
          rows.map((r) => r.output.id),
        ),
      ),
    )
    .orderBy(asc(sql`lower(${pipelineOutputDatasets.name})`));
  return rows.map((r) => ({ ...r, datasets: all.filter((d) => d.outputId === r.output.id) }));
}

/** Output versions of a study (or of one pipeline, or one by id), newest first. Always by org. */
export async function listOutputs(
  tx: Tx,
  orgId: string,
  studyId: string,
  filter: { pipelineId?: string; outputId?: string; limit?: number } = {},
): Promise<OutputWithDatasets[]> {
  const rows = await tx
    .select({ output: pipelineOutputs, pipelineName: pipelines.name })
    .from(pipelineOutputs)
    .innerJoin(pipelines, eq(pipelines.id, pipelineOutputs.pipelineId))
    .where(
      and(
        eq(pipelineOutputs.orgId, orgId),
        eq(pipelineOutputs.studyId, studyId),
        filter.pipelineId ? eq(pipelineOutputs.pipelineId, filter.pipelineId) : undefined,
        filter.outputId ? eq(pipelineOutputs.id, filter.outputId) : undefined,
      ),
    )
    .orderBy(desc(pipelineOutputs.createdAt), desc(pipelineOutputs.label))
    .limit(filter.limit ?? 200);
  return withDatasets(tx, orgId, rows);
}

export async function findOutput(
  tx: Tx,
  orgId: string,
  studyId: string,
  outputId: string,
): Promise<OutputWithDatasets | null> {
  return (await listOutputs(tx, orgId, studyId, { outputId, limit: 1 }))[0] ?? null;
}

/** The latest output version of a pipeline (its last succeeded run's), or null. */
export async function latestOutput(
  tx: Tx,
  orgId: string,
  studyId: string,
  pipelineId: string,
): Promise<OutputWithDatasets | null> {
  return (await listOutputs(tx, orgId, studyId, { pipelineId, limit: 1 }))[0] ?? null;
}
