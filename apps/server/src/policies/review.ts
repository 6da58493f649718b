import {
  PHI_TEXT_MASK,
  REVIEW_PERMISSION,
  REVIEW_RECORDS_MAX_LIMIT,
  type ReviewFieldChange,
  type ReviewRecordStatusDto,
  type ReviewStatus,
} from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { datasetOf, loadVersionData, type VersionData, type VersionDataset } from '../data/version-data.ts';
import { AppError, forbidden, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { PIPELINE_ENGINE, phiAccessOf } from '../phi/protect-version.ts';
import { presentMark } from '../presenters/review.ts';
import { activeVersionOf } from '../repositories/data-versions.repo.ts';
import { markHistory, marksInForce, openThreadCounts, type ReviewMarkRow } from '../repositories/review.repo.ts';
import { findStudy, type StudyRow } from '../repositories/studies.repo.ts';
import {
  fieldChanges,
  type MarkedHash,
  type ReviewDataset,
  removedKeys,
  reviewDatasetOf,
  reviewKeyOf,
  statusCounts,
  statusPage,
} from '../review/record-status.ts';
import { can } from './can.ts';
import { canSeeStudy } from './study.ts';

export type ReviewMode = 'read' | 'perform';

/**
 * Reading review status shows record values (snapshots, what changed): it needs `data:view`, or
 * `review:perform` (the reviewer's own work list: clinical monitors hold it without data:view).
 * Marking and answering queries need `review:perform`. Another tenant's or an unseen study is 404.
 */
export async function reviewStudyFor(
  ctx: AppContext,
  actor: Actor,
  studyId: string,
  mode: ReviewMode,
): Promise<StudyRow> {
  const study = await ctx.database.tenant(actor.orgId, (tx) => findStudy(tx, actor, studyId));
  if (!study || !canSeeStudy(actor, study.id)) throw notFound('Study');
  const perform = can(actor, REVIEW_PERMISSION, study.id);
  if (mode === 'perform' && !perform) throw forbidden(REVIEW_PERMISSION);
  if (mode === 'read' && !perform && !can(actor, 'data:view:assigned', study.id)) throw forbidden('data:view:assigned');
  return study;
}

/** The active version as review reads it: raw (hashes are of real values) and as this reader sees it (masking). */
export interface ReviewData {
  versionId: string;
  raw: VersionData;
  reader: VersionData;
}

export async function activeReviewData(ctx: AppContext, actor: Actor, study: StudyRow): Promise<ReviewData | null> {
  const versionId = await ctx.database.tenant(actor.orgId, (tx) => activeVersionOf(tx, actor.orgId, study.id));
  if (!versionId) return null;
  // The hash must not depend on who asks: it is taken over the stored values, which never leave
  // the server from here except through `maskFor` below.
  const raw = await loadVersionData(ctx, actor.orgId, study.id, versionId, PIPELINE_ENGINE);
  const reader = await loadVersionData(ctx, actor.orgId, study.id, versionId, phiAccessOf(actor, study.id));
  if (!raw || !reader) return null;
  return { versionId, raw, reader };
}

export async function requireActiveReviewData(ctx: AppContext, actor: Actor, study: StudyRow): Promise<ReviewData> {
  const data = await activeReviewData(ctx, actor, study);
  if (!data) {
    throw new AppError(
      'INVALID_STATE',
      `Study ${study.code} has no active data version: load and activate data to review it.`,
    );
  }
  return data;
}

/** A dataset of the active version whose records can be reviewed, by name; 404 or 400 naming why not. */
export function reviewDatasetNamed(data: ReviewData, name: string): ReviewDataset {
  const dataset = datasetOf(data.raw, name);
  if (!dataset) throw notFound(`Dataset ${name.toUpperCase()} in the active data version`);
  const review = reviewDatasetOf(dataset);
  if (!review) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${dataset.name} has no USUBJID column: its records cannot be reviewed (marks are keyed by USUBJID and --SEQ).`,
      { issues: [{ path: 'dataset', message: 'No USUBJID column.' }] },
    );
  }
  return review;
}

/** The one-row-per-subject dataset subject marks are kept on: DM, else ADSL. */
export function subjectDatasetOf(data: ReviewData): ReviewDataset | null {
  for (const name of ['DM', 'ADSL']) {
    const dataset = datasetOf(data.raw, name);
    const review = dataset ? reviewDatasetOf(dataset) : null;
    if (review && review.key.length === 1) return review;
  }
  return null;
}

/** A value as a reader without PHI access reads it (the same rule as `maskedExpression`). */
function maskValue(value: string | null): string | null {
  if (value === null || value.trim() === '') return value;
  return /^[0-9]{4}(-|$)/.test(value) ? value.slice(0, 4) : PHI_TEXT_MASK;
}

/** Masks the reader's PHI columns in values (snapshots, changes); notes a read in clear for the PHI log. */
export function maskerFor(data: ReviewData, datasetName: string) {
  const reader: VersionDataset | undefined = datasetOf(data.reader, datasetName);
  const masked = new Set((reader?.columns ?? []).filter((c) => c.masked).map((c) => c.name.toUpperCase()));
  return {
    values(values: Record<string, string | null>): Record<string, string | null> {
      if (masked.size === 0) return values;
      return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, masked.has(k) ? maskValue(v) : v]));
    },
    changes(changes: ReviewFieldChange[]): ReviewFieldChange[] {
      if (changes.length > 0) reader?.onRead?.();
      return changes.map((c) => (masked.has(c.column) ? { ...c, from: maskValue(c.from), to: maskValue(c.to) } : c));
    },
  };
}

const hashes = (marks: ReviewMarkRow[]): MarkedHash[] =>
  marks.map((m) => ({ key: m.keyValues, h: m.contentSha256 ?? '' }));

function keyValuesOf(dataset: ReviewDataset, values: Record<string, string | null>): Record<string, string | null> {
  return Object.fromEntries(dataset.key.map((name) => [name, values[name.toUpperCase()] ?? null]));
}

/** A page of a dataset's records with their review status, or its removed marks. */
export async function recordStatuses(
  ctx: AppContext,
  actor: Actor,
  study: StudyRow,
  datasetName: string,
  query: { status?: ReviewStatus; usubjid?: string; usubjids?: string[]; offset: number; limit: number },
) {
  const data = await requireActiveReviewData(ctx, actor, study);
  const dataset = reviewDatasetNamed(data, datasetName);
  const usubjids = query.usubjids?.map((id) => id.trimEnd());
  const marks = await ctx.database.tenant(actor.orgId, (tx) =>
    marksInForce(tx, actor.orgId, study.id, { dataset: dataset.name, usubjid: query.usubjid, usubjids }),
  );
  const mask = maskerFor(data, dataset.name);
  const meta = { dataVersionId: data.versionId, key: dataset.key };
  if (query.status === 'removed') {
    const gone = await removedKeys(ctx, dataset, hashes(marks));
    const removed = marks.filter((m) => gone.has(m.recordKey));
    const page = removed.slice(query.offset, query.offset + query.limit);
    return {
      data: page.map((m) => removedStatus(m)),
      page: { offset: query.offset, limit: query.limit, total: removed.length },
      meta,
    };
  }
  const byKey = new Map(marks.map((m) => [m.recordKey, m]));
  const { rows, total } = await statusPage(ctx, dataset, hashes(marks), { ...query, usubjids, status: query.status });
  const data_: ReviewRecordStatusDto[] = rows.map((row) => {
    const mark = byKey.get(row.recordKey) ?? null;
    const changes = row.status === 'changed' && mark?.snapshot ? fieldChanges(mark.snapshot, row.values) : [];
    return {
      dataset: dataset.name,
      recordKey: row.recordKey,
      key: keyValuesOf(dataset, row.values),
      usubjid: row.usubjid,
      status: row.status,
      mark: mark ? presentMark(mark) : null,
      changes: mask.changes(changes),
    };
  });
  return { data: data_, page: { offset: query.offset, limit: query.limit, total }, meta };
}

function removedStatus(mark: ReviewMarkRow): ReviewRecordStatusDto {
  return {
    dataset: mark.dataset,
    recordKey: mark.recordKey,
    key: mark.keyValues,
    usubjid: mark.usubjid,
    status: 'removed',
    mark: presentMark(mark),
    changes: [],
  };
}

/**
 * Every record's status for a query, page after page (a subject with thousands of lab records gets
 * all their badges, not the first page's).
 */
async function allRecordStatuses(
  ctx: AppContext,
  actor: Actor,
  study: StudyRow,
  datasetName: string,
  query: { status?: ReviewStatus; usubjid?: string },
): Promise<ReviewRecordStatusDto[]> {
  const out: ReviewRecordStatusDto[] = [];
  for (let offset = 0; ; offset += REVIEW_RECORDS_MAX_LIMIT) {
    const page = await recordStatuses(ctx, actor, study, datasetName, {
      ...query,
      offset,
      limit: REVIEW_RECORDS_MAX_LIMIT,
    });
    out.push(...page.data);
    if (page.data.length < REVIEW_RECORDS_MAX_LIMIT || out.length >= page.page.total) return out;
  }
}

/** One record's status now (after a mark or unmark, or to show it). */
export async function recordStatus(
  ctx: AppContext,
  actor: Actor,
  study: StudyRow,
  data: ReviewData,
  dataset: ReviewDataset,
  recordKey: string,
): Promise<ReviewRecordStatusDto> {
  const marks = await ctx.database.tenant(actor.orgId, (tx) =>
    markHistory(tx, actor.orgId, study.id, dataset.name, recordKey),
  );
  const last = marks.at(-1);
  const inForce = last?.action === 'reviewed' ? [last] : [];
  const usubjid = recordKey.match(/^USUBJID=([^|]*)/)?.[1];
  const { rows } = await statusPage(ctx, dataset, hashes(inForce), { usubjid, offset: 0, limit: 100_000 });
  const row = rows.find((r) => r.recordKey === recordKey);
  if (!row) {
    // Gone from the active version: its mark (or withdrawal) is all there is to show.
    if (last) return removedStatus(last);
    throw notFound(`Record ${recordKey} in ${dataset.name}`);
  }
  const mask = maskerFor(data, dataset.name);
  return {
    dataset: dataset.name,
    recordKey,
    key: keyValuesOf(dataset, row.values),
    usubjid: row.usubjid,
    status: row.status,
    mark: last ? presentMark(last) : null,
    changes: mask.changes(row.status === 'changed' && last?.snapshot ? fieldChanges(last.snapshot, row.values) : []),
  };
}

/** Every reviewable record of one subject across the active version's datasets, with its status. */
export async function subjectStatus(ctx: AppContext, actor: Actor, study: StudyRow, usubjid: string) {
  const data = await requireActiveReviewData(ctx, actor, study);
  const subjectDataset = subjectDatasetOf(data);
  const records: ReviewRecordStatusDto[] = [];
  let subject: ReviewRecordStatusDto | null = null;
  for (const dataset of data.raw.datasets.values()) {
    if (!reviewKeyOf(dataset)) continue;
    const all = [
      ...(await allRecordStatuses(ctx, actor, study, dataset.name, { usubjid })),
      ...(await allRecordStatuses(ctx, actor, study, dataset.name, { usubjid, status: 'removed' })),
    ];
    if (subjectDataset && dataset.name.toUpperCase() === subjectDataset.name) subject = all[0] ?? null;
    else records.push(...all);
  }
  if (!subject && records.length === 0) throw notFound(`Subject ${usubjid} in the active data version`);
  return { usubjid, dataVersionId: data.versionId, subject, records };
}

/** A record's marks, oldest first. */
export async function recordHistory(
  ctx: AppContext,
  actor: Actor,
  study: StudyRow,
  datasetName: string,
  recordKey: string,
) {
  const rows = await ctx.database.tenant(actor.orgId, (tx) =>
    markHistory(tx, actor.orgId, study.id, datasetName.toUpperCase(), recordKey),
  );
  return rows.map(presentMark);
}

/** Counts per dataset and status, open threads and those assigned to the actor. */
export async function reviewCounts(ctx: AppContext, actor: Actor, study: StudyRow) {
  const threads = await ctx.database.tenant(actor.orgId, (tx) =>
    openThreadCounts(tx, actor.orgId, study.id, actor.apiKey ? null : actor.userId),
  );
  const data = await activeReviewData(ctx, actor, study);
  const base = { openThreads: threads.open, openAssignedToMe: threads.mine };
  if (!data) return { dataVersionId: null, datasets: [], ...base };
  const marks = await ctx.database.tenant(actor.orgId, (tx) => marksInForce(tx, actor.orgId, study.id));
  const datasets = [];
  const names = new Set<string>();
  for (const raw of data.raw.datasets.values()) {
    const dataset = reviewDatasetOf(raw);
    names.add(raw.name.toUpperCase());
    if (!dataset) {
      datasets.push({
        dataset: raw.name.toUpperCase(),
        key: null,
        keyProblem: 'No USUBJID column: records cannot be reviewed.',
        rows: raw.rows,
        reviewed: 0,
        changed: 0,
        notReviewed: 0,
        removed: 0,
      });
      continue;
    }
    const counts = await statusCounts(ctx, dataset, hashes(marks.filter((m) => m.dataset === dataset.name)));
    datasets.push({ dataset: dataset.name, key: dataset.key, ...counts });
  }
  // Marks on a dataset the active version no longer has: every one of its records was removed.
  const orphaned = new Map<string, number>();
  for (const mark of marks)
    if (!names.has(mark.dataset)) orphaned.set(mark.dataset, (orphaned.get(mark.dataset) ?? 0) + 1);
  for (const [name, removed] of orphaned) {
    datasets.push({
      dataset: name,
      key: null,
      keyProblem: 'Not in the active data version.',
      rows: 0,
      reviewed: 0,
      changed: 0,
      notReviewed: 0,
      removed,
    });
  }
  datasets.sort((a, b) => a.dataset.localeCompare(b.dataset));
  return { dataVersionId: data.versionId, datasets, ...base };
}
