import { beforeEach, describe, expect, it } from 'vitest';
import {
  isCapped,
  isPartial,
  MAX_SUBJECTS,
  neighbours,
  readSubjectList,
  rememberSubjectList,
  wholeSubjectList,
} from './subject-links.ts';

// The node test environment has no sessionStorage: a plain in-memory one, as the browser's behaves.
class MemoryStorage {
  private values = new Map<string, string>();
  getItem(key: string) {
    return this.values.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.values.set(key, value);
  }
}

const ALL = Array.from({ length: 2350 }, (_, i) => `S-${String(i + 1).padStart(4, '0')}`);
const source = { path: '/api/studies/s/dashboards/d/widgets/w/subjects', query: { filters: '[]', point: '{}' } };

describe('previous / next over the whole list the reader came from', () => {
  beforeEach(() => {
    (globalThis as { sessionStorage?: unknown }).sessionStorage = new MemoryStorage();
  });

  it('a page remembers where it sits: the place is in the whole list, neighbours within the page', () => {
    const page = ALL.slice(50, 100);
    const key = rememberSubjectList('study-1234', { label: 'AE', subjects: page, source, offset: 50, total: 2350 });
    const list = readSubjectList(key);
    expect(isPartial(list)).toBe(true);
    expect(neighbours(list, 'S-0051')).toMatchObject({ index: 50, total: 2350, previous: undefined, next: 'S-0052' });
  });

  it('reads the whole list page by page, in order, and remembers it under the same key', async () => {
    const key = rememberSubjectList('study-1234', {
      label: 'AE',
      subjects: ALL.slice(50, 100),
      source,
      offset: 50,
      total: 2350,
    });
    const reads: Array<[number, number]> = [];
    const whole = await wholeSubjectList(key, readSubjectList(key) ?? { label: '', subjects: [] }, async (s, o, l) => {
      expect(s).toEqual(source);
      reads.push([o, l]);
      return ALL.slice(o, o + l);
    });
    expect(reads).toEqual([
      [0, 1000],
      [1000, 1000],
      [2000, 350],
    ]);
    expect(whole.subjects).toEqual(ALL);
    // At the page's edge the whole list knows the neighbours the page did not.
    expect(neighbours(whole, 'S-0051')).toMatchObject({ index: 50, previous: 'S-0050', next: 'S-0052' });
    expect(neighbours(whole, 'S-2350')).toMatchObject({ index: 2349, total: 2350, next: undefined });
    const again = readSubjectList(key);
    expect(again?.subjects).toHaveLength(2350);
    expect(isPartial(again)).toBe(false);
  });

  it('a list without a source is whole as it is (a chart’s points, a table on screen)', async () => {
    const key = rememberSubjectList('study-1234', { label: 'eDISH', subjects: ['A', 'B', 'C'] });
    const list = readSubjectList(key);
    expect(isPartial(list)).toBe(false);
    expect(neighbours(list, 'B')).toMatchObject({ index: 1, total: 3, previous: 'A', next: 'C' });
    expect(await wholeSubjectList(key, list ?? { label: '', subjects: [] }, async () => [])).toBe(list);
  });

  it('a list longer than the cap walks its first 5,000 and keeps the count it was cut from', async () => {
    const many = Array.from({ length: 6200 }, (_, i) => `L-${String(i + 1).padStart(5, '0')}`);
    const listing = { path: '/api/studies/s/dashboards/d/widgets/w/subject-ids', query: { sort: '-age' } };
    const key = rememberSubjectList('study-1234', {
      label: 'Subject Listing',
      subjects: many.slice(0, 50),
      source: listing,
      offset: 0,
      total: 6200,
    });
    const whole = await wholeSubjectList(key, readSubjectList(key) ?? { label: '', subjects: [] }, async (_s, o, l) =>
      many.slice(o, o + l),
    );
    expect(whole.subjects).toEqual(many.slice(0, MAX_SUBJECTS));
    expect(isCapped(whole)).toBe(true);
    // Past the page on screen: subject 50's next is subject 51; the last one walked has no next.
    expect(neighbours(whole, 'L-00050')).toMatchObject({ index: 49, total: 6200, next: 'L-00051' });
    expect(neighbours(whole, 'L-05000')).toMatchObject({ index: 4999, next: undefined });
    const again = readSubjectList(key);
    expect(isCapped(again)).toBe(true);
    expect(isPartial(again)).toBe(false);
    expect(again?.total).toBe(6200);
    // A whole list under the cap is not capped.
    expect(isCapped(readSubjectList(rememberSubjectList('study-1234', { label: 'x', subjects: ['A'] })))).toBe(false);
  });
});
