import type { Permission } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { authorizeStudy } from './study.policy.ts';

/**
 * A download hands over every row the dataset viewer shows, so it needs what viewing needs plus
 * export: `data:export` alone (the clinical monitor's seed grant) lets someone download nothing.
 */
export const DATASET_DOWNLOAD: readonly Permission[] = ['data:view:assigned', 'data:export:assigned'];

/** 404 when the actor cannot see the study, else 403 naming the first missing permission. */
export function authorizeDatasetDownload(actor: Actor, study: { id: string }): void {
  for (const permission of DATASET_DOWNLOAD) authorizeStudy(actor, permission, study);
}
