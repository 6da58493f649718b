import type { DatasetColumn } from '@cdp/contracts';
import { useQueries, useQuery } from '@tanstack/react-query';
import { type RowsView, rowsPageQuery } from '../api/data-api.ts';

export const PAGE_SIZE = 200;

interface RowPagesOptions {
  studyId: string;
  versionId: string;
  name: string;
  view: RowsView;
  /** First and last row index on screen (with overscan); null before the grid knows its size. */
  range: [number, number] | null;
}

/**
 * The rows of a dataset a page of 200 at a time: the first page (which also gives the total) is
 * always loaded; the others only while they are on screen, so scrolling a million-row dataset
 * asks for a few pages, and a page scrolled past before it arrived is cancelled.
 */
export function useRowPages({ studyId, versionId, name, view, range }: RowPagesOptions) {
  const first = useQuery(rowsPageQuery(studyId, versionId, name, view, 0, PAGE_SIZE));
  const pages: number[] = [];
  if (range && first.data && !first.isPlaceholderData) {
    const last = Math.min(range[1], first.data.total - 1);
    for (let page = Math.max(1, Math.floor(range[0] / PAGE_SIZE)); page <= Math.floor(last / PAGE_SIZE); page += 1) {
      pages.push(page);
    }
  }
  const others = useQueries({
    queries: pages.map((page) => rowsPageQuery(studyId, versionId, name, view, page, PAGE_SIZE)),
  });
  const failed = others.find((q) => q.isError);

  const rowAt = (index: number): unknown[] | undefined => {
    const page = Math.floor(index / PAGE_SIZE);
    const data = page === 0 ? first.data : others[pages.indexOf(page)]?.data;
    return data?.rows[index - page * PAGE_SIZE];
  };

  return {
    first,
    total: first.data?.total,
    columns: first.data?.columns as DatasetColumn[] | undefined,
    rowAt,
    /** A page after the first failed to load (the first page's failure is `first.error`). */
    pageError: failed?.error ?? null,
    retryPages: () => Promise.all(others.filter((q) => q.isError).map((q) => q.refetch())),
  };
}
