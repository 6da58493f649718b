import type { Study } from '@cdp/contracts';

/** "300 subjects, 2024-01-15 → 2024-12-31", what is set of it, or "Not set". */
export function enrollmentPlanText(
  study: Pick<Study, 'plannedEnrollment' | 'plannedEnrollmentStart' | 'plannedEnrollmentEnd'>,
): string {
  const { plannedEnrollment: total, plannedEnrollmentStart: start, plannedEnrollmentEnd: end } = study;
  if (!total && !start && !end) return 'Not set';
  const subjects = total ? `${total.toLocaleString('en-US')} subjects` : 'no target';
  const dates = start || end ? `, ${start ?? '?'} → ${end ?? '?'}` : '';
  // Dashboards draw a plan only when all three are set; say so when one is missing.
  return `${subjects}${dates}${total && start && end ? '' : ' (incomplete: no plan line is drawn)'}`;
}
