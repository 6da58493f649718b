import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { isApiError } from '../../../lib/api-error.ts';
import { subjectsRecordsQuery } from '../api/review-api.ts';

/**
 * The subject-level review marks of some subjects: kept on DM, or on ADSL where the active version
 * has no DM (the server's rule). Returns the dataset marks live on and each subject's status.
 */
export function useSubjectMarks(studyId: string, usubjids: string[], enabled: boolean) {
  const ids = useMemo(() => [...new Set(usubjids)].sort().slice(0, 1000), [usubjids]);
  const dm = useQuery({
    ...subjectsRecordsQuery(studyId, 'DM', ids),
    enabled: enabled && ids.length > 0,
    retry: false,
    placeholderData: (previous) => previous,
  });
  const noDm = dm.isError && isApiError(dm.error, 'NOT_FOUND');
  const adsl = useQuery({
    ...subjectsRecordsQuery(studyId, 'ADSL', ids),
    enabled: enabled && ids.length > 0 && noDm,
    retry: false,
    placeholderData: (previous) => previous,
  });
  const answer = noDm ? adsl.data : dm.data;
  const bySubject = useMemo(() => new Map((answer?.data ?? []).map((r) => [r.usubjid, r])), [answer]);
  return {
    dataset: noDm ? (adsl.isError ? null : 'ADSL') : dm.isError ? null : 'DM',
    markOf: (usubjid: string) => bySubject.get(usubjid.trimEnd()),
  };
}
