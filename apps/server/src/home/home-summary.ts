import { DatasetStore, distinctCount } from '@cdp/analytics';
import type { HomeActivity, HomeResponse, HomeStudy, HomeStudyData } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import type { AppContext } from '../lib/context.ts';
import { datasetFile } from '../lib/study-folders.ts';
import { can } from '../policies/can.ts';
import {
  type ActivityRow,
  activeVersions,
  type DatasetFileRow,
  studyActivity,
  subjectDatasets,
  type UploadEventRow,
  uploadEvents,
} from '../repositories/home.repo.ts';
import { listVisibleStudies } from '../repositories/studies.repo.ts';

/** Studies on the home page; the Studies page lists them all. */
export const HOME_STUDY_LIMIT = 24;
const ACTIVITY_PER_STUDY = 5;
const PROBLEMS_SHOWN = 5;
/** Subject counts remembered per data version (immutable, so never stale). */
const COUNT_CACHE_ENTRIES = 1000;

type Subjects = HomeStudyData['subjects'];

const iso = (value: Date | string) => new Date(value).toISOString();

function activityText(row: ActivityRow): string {
  switch (row.kind) {
    case 'version_loaded':
      return `Loaded version ${row.subject} from ${row.detail ?? 'an upload'}`;
    case 'version_activated':
      return row.detail === 'data_version.rolled_back'
        ? `Rolled back to version ${row.subject}`
        : `Activated version ${row.subject}`;
    case 'upload_failed':
      return `Upload of ${row.subject} failed`;
    case 'dashboard_saved':
      return row.detail === '1'
        ? `Created dashboard ${row.subject}`
        : `Saved dashboard ${row.subject} (version ${row.detail})`;
  }
}

function groupBy<T extends { studyId: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) out.set(row.studyId, [...(out.get(row.studyId) ?? []), row]);
  return out;
}

/**
 * The home page's per-study summary: the active data version and its age, subjects, the last
 * upload, open problems (failed uploads since the last good one) and recent activity. The studies
 * are those the actor may see; a study's data and its events are shown only to those who may view
 * its data (dashboard events: its dashboards).
 */
export class HomeSummaries {
  private readonly store: DatasetStore;
  private readonly counts = new Map<string, Subjects>();

  constructor(private readonly ctx: AppContext) {
    this.store = new DatasetStore({ memoryLimit: ctx.config.duckdbMemoryLimit });
  }

  close(): Promise<void> {
    return this.store.close();
  }

  async forActor(actor: Actor): Promise<HomeResponse> {
    const { ctx } = this;
    const visible = (await ctx.database.tenant(actor.orgId, (tx) => listVisibleStudies(tx, actor, {}))).filter(
      (s) => s.status !== 'archived',
    );
    const studies = visible.slice(0, HOME_STUDY_LIMIT);
    const dataIds = studies.filter((s) => can(actor, 'data:view:assigned', s.id)).map((s) => s.id);
    const dashboardIds = studies.filter((s) => can(actor, 'dashboard:view:assigned', s.id)).map((s) => s.id);
    // Dashboards show numbers of the active version: their viewers may know which version and how many subjects.
    const versionIds = studies.filter((s) => dataIds.includes(s.id) || dashboardIds.includes(s.id)).map((s) => s.id);
    const read = await ctx.database.tenant(actor.orgId, async (tx) => ({
      versions: await activeVersions(tx, actor.orgId, versionIds),
      uploads: await uploadEvents(tx, actor.orgId, dataIds),
      activity: await studyActivity(tx, actor.orgId, { data: dataIds, dashboards: dashboardIds }, ACTIVITY_PER_STUDY),
      files: await subjectDatasets(tx, actor.orgId, versionIds),
    }));
    const versions = new Map(read.versions.map((v) => [v.studyId, v]));
    const uploads = groupBy(read.uploads);
    const activity = groupBy(read.activity);
    const files = groupBy(read.files);
    const subjects = await Promise.all(studies.map((s) => this.subjects(files.get(s.id) ?? [])));

    const data: HomeStudy[] = studies.map((study, i) => ({
      study: {
        id: study.id,
        code: study.code,
        name: study.name,
        phase: study.phase as HomeStudy['study']['phase'],
        status: study.status,
      },
      data: versionIds.includes(study.id)
        ? this.present(
            versions.get(study.id) ?? null,
            dataIds.includes(study.id) ? (uploads.get(study.id) ?? []) : null,
            subjects[i] ?? null,
          )
        : null,
      activity: (activity.get(study.id) ?? []).map(
        (row): HomeActivity => ({ at: iso(row.at), by: row.by, kind: row.kind, text: activityText(row) }),
      ),
    }));
    return { data, total: visible.length, limit: HOME_STUDY_LIMIT };
  }

  private present(
    version: Awaited<ReturnType<typeof activeVersions>>[number] | null,
    /** Null when the actor may not see the study's uploads. */
    uploads: UploadEventRow[] | null,
    subjects: Subjects,
  ): HomeStudyData {
    const open = uploads?.filter((u) => u.open) ?? [];
    const last = uploads?.[0];
    return {
      activeVersion: version
        ? {
            id: version.id,
            label: version.label,
            source: { kind: version.kind, fileName: version.fileName },
            loadedAt: iso(version.loadedAt),
            loadedBy: version.loadedBy,
            activatedAt: version.activatedAt ? iso(version.activatedAt) : null,
            activatedBy: version.activatedBy,
          }
        : null,
      subjects,
      lastUpload: last ? { at: iso(last.at), by: last.by, fileName: last.fileName, outcome: last.outcome } : null,
      openProblems: uploads
        ? {
            count: open.length,
            failedUploads: open.slice(0, PROBLEMS_SHOWN).map((u) => ({
              at: iso(u.at),
              by: u.by,
              fileName: u.fileName,
              message: u.message ?? '',
            })),
          }
        : null,
    };
  }

  /** Distinct USUBJID of DM, else of ADSL, in the active version; counted once per version. */
  private async subjects(files: DatasetFileRow[]): Promise<Subjects> {
    const file = files.find((f) => f.name === 'DM') ?? files.find((f) => f.name === 'ADSL');
    if (!file) return null;
    const key = `${file.versionId}/${file.name}`;
    if (this.counts.has(key)) return this.counts.get(key) ?? null;
    const path = datasetFile(this.ctx.config.dataDir, file, file.label);
    const count = await distinctCount(this.store, { file: path, columns: file.columns }, 'USUBJID');
    const subjects: Subjects = count === null ? null : { count, dataset: file.name };
    if (this.counts.size >= COUNT_CACHE_ENTRIES) this.counts.delete(this.counts.keys().next().value as string);
    this.counts.set(key, subjects);
    return subjects;
  }
}
