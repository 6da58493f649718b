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
  /** Subject ids (USUBJID) in the order the list showed them: the page on screen, or the whole list. */
  subjects: string[];
  /**
   * Where the whole list comes from when `subjects` is one page of it: a paged subjects API (the
   * drill-down's) with its query, where the page starts, and how many subjects the list has. The
   * profile reads the rest from it (`wholeSubjectList`), so previous/next walk the whole list.
   */
  source?: { path: string; query: Record<string, string> };
  offset?: number;
  /**
   * How many subjects the whole list has. Without `source`, a total above `subjects.length` means
   * the list was cut at `MAX_SUBJECTS`: previous/next walk its first subjects, and the profile says so.
   */
  total?: number;
}

const PREFIX = 'cdp.subject-list.';
/** The most subjects a list keeps: the drill-down's and the listing route's cap. */
export const MAX_SUBJECTS = 5000;

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
    sessionStorage.setItem(PREFIX + key, JSON.stringify({ ...list, subjects }));
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
    const subjects = value.subjects.filter((s): s is string => typeof s === 'string');
    const paged =
      value.source &&
      typeof value.source.path === 'string' &&
      typeof value.offset === 'number' &&
      typeof value.total === 'number';
    if (paged) return { label: value.label, subjects, source: value.source, offset: value.offset, total: value.total };
    // A whole list cut at the cap keeps the count it was cut from.
    return typeof value.total === 'number' && value.total > subjects.length
      ? { label: value.label, subjects, total: value.total }
      : { label: value.label, subjects };
  } catch {
    return undefined;
  }
}

/**
 * The neighbours of `subjectId` in a remembered list. Of a page (`offset`, `total`), the place is
 * in the whole list, and a neighbour past the page's edge is unknown until the whole list is read.
 */
export function neighbours(list: SubjectList | undefined, subjectId: string) {
  const index = list ? list.subjects.indexOf(subjectId) : -1;
  const offset = list?.offset ?? 0;
  const total = list?.total ?? list?.subjects.length ?? 0;
  if (!list || index < 0) return { index: -1, total };
  return {
    index: offset + index,
    total,
    previous: index > 0 ? list.subjects[index - 1] : undefined,
    next: index < list.subjects.length - 1 ? list.subjects[index + 1] : undefined,
  };
}

/** Whether a whole list was cut at `MAX_SUBJECTS` (its `total` is larger and there is nothing left to read). */
export function isCapped(list: SubjectList | undefined): boolean {
  return !!list && !list.source && list.total !== undefined && list.total > list.subjects.length;
}

/** Whether a remembered list is one page of a longer list the profile can read whole. */
export function isPartial(list: SubjectList | undefined): boolean {
  return !!list?.source && list.total !== undefined && list.subjects.length < Math.min(list.total, MAX_SUBJECTS);
}

/** One page of subject ids of a list's source, in order. */
export type SubjectPageReader = (
  source: NonNullable<SubjectList['source']>,
  offset: number,
  limit: number,
) => Promise<string[]>;

/** Pages the drill-down and listing APIs give at once (their `limit` maximum). */
export const SOURCE_PAGE = 1000;

/**
 * The whole list behind a page (at most 5,000 subjects, the most a list keeps), read page by page
 * from its source in order, duplicates dropped (a listing may repeat a subject); remembered under
 * the same key so the next profile of the list reads nothing.
 */
export async function wholeSubjectList(key: string, list: SubjectList, read: SubjectPageReader): Promise<SubjectList> {
  if (!isPartial(list) || !list.source) return list;
  const want = Math.min(list.total ?? 0, MAX_SUBJECTS);
  const subjects: string[] = [];
  for (let offset = 0; offset < want; offset += SOURCE_PAGE) {
    const page = await read(list.source, offset, Math.min(SOURCE_PAGE, want - offset));
    subjects.push(...page);
    if (page.length === 0) break;
  }
  // A list longer than the cap keeps its count, so the profile can say it walks the first ones.
  const capped = list.total !== undefined && list.total > MAX_SUBJECTS;
  const whole: SubjectList = {
    label: list.label,
    subjects: [...new Set(subjects)],
    ...(capped ? { total: list.total } : {}),
  };
  try {
    sessionStorage.setItem(PREFIX + key, JSON.stringify(whole));
  } catch {
    // Storage full: this profile still walks the whole list; the next one reads it again.
  }
  return whole;
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
