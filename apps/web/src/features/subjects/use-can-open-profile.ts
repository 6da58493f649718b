import { REVIEW_PERMISSION } from '@cdp/contracts';
import { useCan } from '../auth/hooks/use-me.ts';

/**
 * Whether subject ids link to the patient profile: its route reads with data:view OR review:perform
 * on the study (clinical monitors review without data:view; see docs/decisions.md).
 */
export function useCanOpenProfile(studyId: string | undefined): boolean {
  const views = useCan('data:view:assigned', studyId);
  const reviews = useCan(REVIEW_PERMISSION, studyId);
  return views || reviews;
}
