/**
 * The two shapes every API answer about resources takes: one resource is `{ data, permissions }`
 * (what the caller may do with it), a list is `{ data, page?, meta? }` (`meta` holds facts about
 * the list as a whole, such as what the caller may do with the collection).
 */
export interface Resource<T> {
  data: T;
  permissions: string[];
}

export interface Page {
  number: number;
  size: number;
  total: number;
}

export interface List<T, M = never> {
  data: T[];
  page?: Page;
  meta?: M;
}

export function resource<T>(data: T, permissions: readonly string[]): Resource<T> {
  return { data, permissions: [...permissions] };
}

export function list<T>(data: T[]): { data: T[] } {
  return { data };
}
