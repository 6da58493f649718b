import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useCan } from '../../auth/hooks/use-me.ts';
import { studiesQuery } from '../../studies/api/studies-api.ts';
import { usersQuery } from '../../users/api/users-api.ts';
import type { ResourceNames } from '../components/describe-event.ts';

/** Names for the ids in audit events: study codes and user e-mails the viewer may see anyway. */
export function useResourceNames(): ResourceNames {
  const canViewStudies = useCan('study:view:assigned');
  const canViewUsers = useCan('user:view:own');
  const studies = useQuery({ ...studiesQuery(), enabled: canViewStudies });
  const users = useQuery({ ...usersQuery({}), enabled: canViewUsers });
  return useMemo(
    () => ({
      study: new Map((studies.data?.data ?? []).map((s) => [s.id, s.code])),
      user: new Map((users.data?.data ?? []).map((u) => [u.id, u.email])),
    }),
    [studies.data, users.data],
  );
}
