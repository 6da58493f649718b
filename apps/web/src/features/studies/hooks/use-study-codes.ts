import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useCan } from '../../auth/hooks/use-me.ts';
import { studiesQuery } from '../api/studies-api.ts';

/** Study id → code for the studies the user can see, to label study-limited roles. */
export function useStudyCodes(): Map<string, string> {
  const canView = useCan('study:view:assigned');
  const { data } = useQuery({ ...studiesQuery(), enabled: canView });
  return useMemo(() => new Map((data?.data ?? []).map((s) => [s.id, s.code])), [data]);
}
