import { DataVersion, type VersionList } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { studyPermissions } from '../policies/study.ts';
import type { VersionHead, VersionWithDatasets } from '../repositories/data-versions.repo.ts';
import type { StudyRow } from '../repositories/studies.repo.ts';
import { presentVersion } from './data.ts';

/**
 * Each version of a list as the answer writes it, in two halves around `"active":` (the only part
 * that changes: a version's rows never do). Keyed by organization, version and the maker's name and
 * e-mail as read now, so a renamed user shows at once. Presenting and serializing every version
 * with its datasets' columns on every request made the list's cost grow with each upload; now a
 * version is presented, checked against the `DataVersion` schema and serialized once per process.
 */
type Halves = { before: string; after: string };
const KEPT = new Map<string, Halves>();
const KEPT_LIMIT = 2000;

const keyOf = (orgId: string, head: VersionHead) =>
  `${orgId}\n${head.id}\n${head.createdBy?.id ?? ''}\n${head.createdBy?.name ?? ''}\n${head.createdBy?.email ?? ''}`;

/** The heads whose versions this process has not presented yet (`keepVersions` them first). */
export function versionsToPresent(orgId: string, heads: readonly VersionHead[]): VersionHead[] {
  return heads.filter((head) => !KEPT.has(keyOf(orgId, head)));
}

/**
 * Presents, checks against `DataVersion` and keeps each version read whole (`readVersionDetails`);
 * answers them by id too, for the list being made (the kept ones may be evicted meanwhile).
 */
export function keepVersions(orgId: string, items: readonly VersionWithDatasets[]): Map<string, Halves> {
  const made = new Map<string, Halves>();
  for (const item of items) {
    const { active: _active, datasets, skipped, ...first } = DataVersion.parse(presentVersion(item, null));
    const halves = {
      before: `${JSON.stringify(first).slice(0, -1)},"active":`,
      after: `,${JSON.stringify({ datasets, skipped }).slice(1)}`,
    };
    if (KEPT.size >= KEPT_LIMIT) KEPT.delete(KEPT.keys().next().value as string);
    KEPT.set(keyOf(orgId, { id: item.version.id, createdBy: item.createdBy }), halves);
    made.set(keyOf(orgId, { id: item.version.id, createdBy: item.createdBy }), halves);
  }
  return made;
}

/**
 * `GET /api/studies/:id/versions` as JSON text: what `{ data: versions.map(presentVersion), meta }`
 * through the `VersionList` response schema gives, from `made` and the kept versions; null when one
 * is in neither (evicted since `versionsToPresent`: the caller presents them all again).
 */
export function versionListJson(
  actor: Actor,
  study: StudyRow,
  heads: readonly VersionHead[],
  made: ReadonlyMap<string, Halves>,
): string | null {
  const parts: string[] = [];
  for (const head of heads) {
    const key = keyOf(study.orgId, head);
    const halves = made.get(key) ?? KEPT.get(key);
    if (!halves) return null;
    parts.push(`${halves.before}${head.id === study.activeDataVersionId}${halves.after}`);
  }
  const meta: VersionList['meta'] = {
    activeVersionId: study.activeDataVersionId,
    permissions: studyPermissions(actor, study.id),
  };
  return `{"data":[${parts.join(',')}],"meta":${JSON.stringify(meta)}}`;
}
