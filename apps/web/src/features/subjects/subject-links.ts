/**
 * Links to a subject's profile page, shared by every list, listing and chart that names a subject.
 *
 * A list the user came from (a drill-down, a subject listing, a Hy's-law table) is remembered in
 * sessionStorage under a short key carried in the link (`?list=`), so the profile can offer the
 * previous and next subject of that list without putting hundreds of ids in the address.
 */

export interface SubjectList {
  /** What the list was, as the profile shows it ("Subjects with Gastrointestinal disorders"). */
  label: string;
  /** Subject ids (USUBJID) in the order the list showed them. */
  subjects: string[];
}

const PREFIX = 'cdp.subject-list.';
const MAX_SUBJECTS = 5000;

/** The web path of a subject's profile; `listKey` names a list remembered by `rememberSubjectList`. */
export function subjectProfilePath(studyId: string, subjectId: string, listKey?: string): string {
  const path = `/studies/${encodeURIComponent(studyId)}/subjects/${encodeURIComponent(subjectId)}`;
  return listKey ? `${path}?list=${encodeURIComponent(listKey)}` : path;
}

/** Remembers a list for previous/next on the profile and returns its key (same list, same key). */
export function rememberSubjectList(studyId: string, list: SubjectList): string {
  const subjects = list.subjects.slice(0, MAX_SUBJECTS);
  const key = `${studyId.slice(0, 8)}-${hash(`${list.label}\u0000${subjects.join('\u0000')}`)}`;
  try {
    sessionStorage.setItem(PREFIX + key, JSON.stringify({ label: list.label, subjects }));
  } catch {
    // Storage full or disabled: the profile still opens, without previous/next.
  }
  return key;
}

/** The list behind `key`, or undefined when this tab never saw it. */
export function readSubjectList(key: string | undefined): SubjectList | undefined {
  if (!key) return undefined;
  try {
    const raw = sessionStorage.getItem(PREFIX + key);
    if (!raw) return undefined;
    const value = JSON.parse(raw) as Partial<SubjectList>;
    if (typeof value.label !== 'string' || !Array.isArray(value.subjects)) return undefined;
    return { label: value.label, subjects: value.subjects.filter((s): s is string => typeof s === 'string') };
  } catch {
    return undefined;
  }
}

/** The neighbours of `subjectId` in a remembered list. */
export function neighbours(list: SubjectList | undefined, subjectId: string) {
  const index = list ? list.subjects.indexOf(subjectId) : -1;
  if (!list || index < 0) return { index: -1, total: list?.subjects.length ?? 0 };
  return {
    index,
    total: list.subjects.length,
    previous: index > 0 ? list.subjects[index - 1] : undefined,
    next: index < list.subjects.length - 1 ? list.subjects[index + 1] : undefined,
  };
}

/** FNV-1a, 32 bits, as base36: a short stable key, not a security measure. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}
