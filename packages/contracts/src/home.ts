import { z } from 'zod';
import { IsoDateTime, Uuid } from './common.ts';
import { StudyPhase, StudyStatus } from './studies.ts';

/** A person as the home page names them: their name, or null for the system (demo data, jobs). */
const By = z.string().nullable();

export const HomeActivity = z.object({
  at: IsoDateTime,
  by: By,
  kind: z.enum(['version_loaded', 'version_activated', 'upload_failed', 'dashboard_saved']),
  /** What happened, in words: "Loaded 20261206_091500 from sdtm.zip". */
  text: z.string(),
});
export type HomeActivity = z.infer<typeof HomeActivity>;

/** The state of one study's data, for those who may view it. */
export const HomeStudyData = z.object({
  activeVersion: z
    .object({
      id: Uuid,
      label: z.string(),
      source: z.object({ kind: z.enum(['upload', 'demo']), fileName: z.string() }),
      /** When the version was loaded: the data's age is counted from here. */
      loadedAt: IsoDateTime,
      loadedBy: By,
      /** When it became the active version (its upload, for a study's first), and by whom. */
      activatedAt: IsoDateTime.nullable(),
      activatedBy: By,
    })
    .nullable(),
  /** Distinct USUBJID of the active version's DM, else its ADSL; null when it has neither. */
  subjects: z.object({ count: z.number().int(), dataset: z.enum(['DM', 'ADSL']) }).nullable(),
  /** The latest upload attempt, whether it became a version or failed (null also when your role does not show uploads). */
  lastUpload: z
    .object({ at: IsoDateTime, by: By, fileName: z.string(), outcome: z.enum(['loaded', 'failed']) })
    .nullable(),
  /**
   * Uploads that failed since the study's last successful one, newest first (at most 5) and how
   * many; null when your role does not include the study's data (uploads are data management).
   */
  openProblems: z
    .object({
      count: z.number().int(),
      failedUploads: z.array(z.object({ at: IsoDateTime, by: By, fileName: z.string(), message: z.string() })),
    })
    .nullable(),
});
export type HomeStudyData = z.infer<typeof HomeStudyData>;

export const HomeStudy = z.object({
  study: z.object({ id: Uuid, code: z.string(), name: z.string(), phase: StudyPhase, status: StudyStatus }),
  /**
   * Null when the user's role includes neither the study's data nor its dashboards; dashboard
   * viewers get the active version and subjects, data viewers also uploads and problems.
   */
  data: HomeStudyData.nullable(),
  /** The study's latest data and dashboard events the user may see, newest first (at most 5). */
  activity: z.array(HomeActivity),
});
export type HomeStudy = z.infer<typeof HomeStudy>;

export const HomeResponse = z.object({
  /** Studies the user can see that are not archived, by code; at most `limit` of `total`. */
  data: z.array(HomeStudy),
  total: z.number().int(),
  limit: z.number().int(),
});
export type HomeResponse = z.infer<typeof HomeResponse>;
