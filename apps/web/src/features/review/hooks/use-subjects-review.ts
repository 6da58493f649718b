import type { ReviewRecordStatusDto } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { subjectsRecordsQuery } from '../api/review-api.ts';

/**
 * The review status of the records of some subjects in one dataset, by key text: what a listing's
 * page or a grid's rows on screen need for their badges, every page of them (`subjectsRecordsQuery`).
 */
export function useSubjectsReview(studyId: string, dataset: string | null, usubjids: string[], enabled: boolean) {
  const sorted = useMemo(() => [...new Set(usubjids)].sort().slice(0, 1000), [usubjids]);
  const query = useQuery({
    ...subjectsRecordsQuery(studyId, dataset ?? '', sorted),
    enabled: enabled && dataset !== null && sorted.length > 0,
    placeholderData: (previous) => previous,
  });
  const byKey = useMemo(
    () => new Map<string, ReviewRecordStatusDto>((query.data?.data ?? []).map((r) => [r.recordKey, r])),
    [query.data],
  );
  return {
    key: query.data?.meta.key ?? null,
    statusOf: (recordKey: string) => byKey.get(recordKey),
    truncated: (query.data?.data.length ?? 0) < (query.data?.page.total ?? 0),
    error: query.error,
  };
}
