import { API_KEY_EXCLUDED_PERMISSIONS, type GrantDto, permissionScope, satisfies } from '@cdp/contracts';

/**
 * What a key may do right now: each of its creator's current grants, narrowed to the key's scopes
 * (a scope counts only while some permission of that grant satisfies it) and to the key's studies.
 * Computed on every request from the creator's grants as they stand, so revoking the creator's role
 * narrows the key at once. An organization-wide grant of a key limited to studies becomes one grant
 * per listed study for study-level permissions, and keeps its organization-level ones (audit, …).
 */
export function apiKeyGrants(
  creatorGrants: readonly GrantDto[],
  scopes: readonly string[],
  studyIds: readonly string[] | null,
): GrantDto[] {
  const allowed = scopes.filter((s) => !(API_KEY_EXCLUDED_PERMISSIONS as readonly string[]).includes(s));
  const out: GrantDto[] = [];
  for (const grant of creatorGrants) {
    const permissions = allowed.filter((scope) => grant.permissions.some((held) => satisfies(held, scope)));
    if (permissions.length === 0) continue;
    if (studyIds === null) {
      out.push({ ...grant, permissions });
    } else if (grant.studyId !== null) {
      if (studyIds.includes(grant.studyId)) out.push({ ...grant, permissions });
    } else {
      const orgLevel = permissions.filter((p) => permissionScope(p) !== 'assigned');
      const studyLevel = permissions.filter((p) => permissionScope(p) === 'assigned');
      if (orgLevel.length > 0) out.push({ ...grant, permissions: orgLevel });
      if (studyLevel.length > 0)
        for (const studyId of studyIds) out.push({ ...grant, studyId, permissions: studyLevel });
    }
  }
  return out;
}
