import { type FeatureFlag, featureEnabled, hasPermission, type Permission } from '@cdp/contracts';
import { useSuspenseQuery } from '@tanstack/react-query';
import { meQuery } from '../api/auth-api.ts';

/** The signed-in user, organization and grants (loaded before any app page renders). */
export function useMe() {
  return useSuspenseQuery(meQuery).data;
}

/**
 * Whether the user's grants allow `permission` (optionally on one study). The server decides
 * in the end; this only keeps the UI from offering what would be refused.
 */
export function useCan(permission: Permission, studyId?: string): boolean {
  const { grants } = useMe();
  return hasPermission(grants, permission, studyId);
}

export function useIsPlatformAdmin(): boolean {
  const me = useMe();
  return me.organization.kind === 'platform' && hasPermission(me.grants, 'tenant:view:all');
}

/**
 * Whether the organization has the feature switched on. A switched-off feature's UI is not
 * offered at all; its API answers 403 FEATURE_DISABLED anyway.
 */
export function useFeature(flag: FeatureFlag): boolean {
  return featureEnabled(useMe().organization.features, flag);
}
