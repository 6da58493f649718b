import type { StudySettings } from '@cdp/widgets';
import type { StudyRow } from '../repositories/studies.repo.ts';
import type { ReviewQueryCounts } from './review-queries.ts';

/**
 * What widgets take from the study itself: the enrollment plan, when all three parts are set (a
 * target without dates, or dates without a target, draws no plan rather than a guessed one).
 */
export function studySettingsOf(
  study: Pick<StudyRow, 'plannedEnrollment' | 'plannedEnrollmentStart' | 'plannedEnrollmentEnd'>,
  reviewQueries?: ReviewQueryCounts,
): StudySettings {
  const { plannedEnrollment: total, plannedEnrollmentStart: start, plannedEnrollmentEnd: end } = study;
  return {
    ...(total && start && end ? { enrollmentPlan: { total, start, end } } : {}),
    ...(reviewQueries ? { reviewQueries } : {}),
  };
}
