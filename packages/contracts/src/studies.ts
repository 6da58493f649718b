import { z } from 'zod';
import { CollectionMeta, IsoDateTime, listWithMeta, Reason, Uuid, withPermissions } from './common.ts';

export const STUDY_PHASES = {
  I: 'Phase I',
  'I/II': 'Phase I/II',
  II: 'Phase II',
  'II/III': 'Phase II/III',
  III: 'Phase III',
  IV: 'Phase IV',
  NA: 'Not applicable',
} as const;
export type StudyPhase = keyof typeof STUDY_PHASES;
export const StudyPhase = z.enum(Object.keys(STUDY_PHASES) as [StudyPhase, ...StudyPhase[]]);

export const STUDY_STATUSES = ['draft', 'active', 'locked', 'archived'] as const;
export const StudyStatus = z.enum(STUDY_STATUSES);
export type StudyStatus = z.infer<typeof StudyStatus>;

/** Status changes a study may make; archived is final. */
export const STUDY_TRANSITIONS: Record<StudyStatus, readonly StudyStatus[]> = {
  draft: ['active', 'archived'],
  active: ['locked', 'archived'],
  locked: ['active', 'archived'],
  archived: [],
};

export const StudyCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_-]{1,39}$/, 'Use 2–40 letters, digits, dashes or underscores (e.g. CDISCPILOT01).');

export const Study = z.object({
  id: Uuid,
  code: z.string(),
  name: z.string(),
  protocol: z.string().nullable(),
  phase: StudyPhase,
  therapeuticArea: z.string().nullable(),
  description: z.string().nullable(),
  status: StudyStatus,
  /** The enrollment plan: target number of subjects and the planned first and last enrollment day. */
  plannedEnrollment: z.number().int().nullable(),
  plannedEnrollmentStart: z.iso.date().nullable(),
  plannedEnrollmentEnd: z.iso.date().nullable(),
  archivedReason: z.string().nullable(),
  archivedAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Study = z.infer<typeof Study>;

const OptionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((v) => (v === '' ? null : v))
    .nullable()
    .optional();

/** Target number of subjects to enroll; `null` clears it. */
export const PlannedEnrollment = z
  .number()
  .int('Enter a whole number of subjects.')
  .min(1, 'The planned enrollment is at least 1 subject.')
  .max(1_000_000, 'The planned enrollment is at most 1,000,000 subjects.')
  .nullable()
  .optional();
/** A planned enrollment day, `YYYY-MM-DD`; `null` clears it. */
export const PlanDate = z.iso.date('Enter a date as YYYY-MM-DD.').nullable().optional();

/** The last planned enrollment day comes after the first (both given), named on the end date's field. */
export function checkPlanDates(
  plan: { plannedEnrollmentStart?: string | null; plannedEnrollmentEnd?: string | null },
  ctx: z.RefinementCtx,
) {
  const { plannedEnrollmentStart: start, plannedEnrollmentEnd: end } = plan;
  if (start && end && end <= start)
    ctx.addIssue({
      code: 'custom',
      path: ['plannedEnrollmentEnd'],
      message: 'The planned enrollment end must come after its start.',
    });
}

export const CreateStudyRequest = z
  .strictObject({
    code: StudyCode,
    name: z.string().trim().min(2, 'Enter the study name.').max(300),
    protocol: OptionalText(100),
    phase: StudyPhase,
    therapeuticArea: OptionalText(100),
    description: OptionalText(4000),
    plannedEnrollment: PlannedEnrollment,
    plannedEnrollmentStart: PlanDate,
    plannedEnrollmentEnd: PlanDate,
  })
  .superRefine(checkPlanDates);
export type CreateStudyRequest = z.input<typeof CreateStudyRequest>;
export type CreateStudyData = z.output<typeof CreateStudyRequest>;

export const UpdateStudyRequest = z
  .strictObject({
    name: z.string().trim().min(2).max(300).optional(),
    protocol: OptionalText(100),
    phase: StudyPhase.optional(),
    therapeuticArea: OptionalText(100),
    description: OptionalText(4000),
    plannedEnrollment: PlannedEnrollment,
    plannedEnrollmentStart: PlanDate,
    plannedEnrollmentEnd: PlanDate,
  })
  .superRefine(checkPlanDates);
export type UpdateStudyRequest = z.input<typeof UpdateStudyRequest>;
export type UpdateStudyData = z.output<typeof UpdateStudyRequest>;

export const ChangeStudyStatusRequest = z.strictObject({
  status: StudyStatus,
  reason: Reason,
});
export type ChangeStudyStatusRequest = z.infer<typeof ChangeStudyStatusRequest>;

export const StudyListQuery = z.object({
  status: StudyStatus.optional(),
  q: z.string().trim().max(200).optional(),
});
export type StudyListQuery = z.input<typeof StudyListQuery>;
/** `meta.permissions` holds `study:create:own` when the caller may create studies. */
export const StudyList = listWithMeta(Study, CollectionMeta);
export type StudyList = z.infer<typeof StudyList>;
export const StudyResource = withPermissions(Study);
export type StudyResource = z.infer<typeof StudyResource>;
