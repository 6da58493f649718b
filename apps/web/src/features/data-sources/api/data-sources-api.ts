import type { DataSource, DataSourcePull, DataSourcePullDetail } from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export interface SourceList {
  data: DataSource[];
  meta: { permissions: string[] };
}
export interface ConnectionCheck {
  ok: boolean;
  message: string;
  hostKeyFingerprint?: string;
}

export const sourceKeys = {
  all: ['data-sources'] as const,
  study: (studyId: string) => ['data-sources', 'study', studyId] as const,
  pulls: (studyId: string, sourceId: string) => ['data-sources', 'study', studyId, sourceId, 'pulls'] as const,
  pull: (studyId: string, sourceId: string, pullId: string) =>
    ['data-sources', 'study', studyId, sourceId, 'pulls', pullId] as const,
};

const base = (studyId: string) => `/api/studies/${studyId}/data-sources`;

export const allSourcesQuery = queryOptions({
  queryKey: sourceKeys.all,
  queryFn: ({ signal }) => api<SourceList>('/api/data-sources', { signal }),
});

export function studySourcesQuery(studyId: string) {
  return queryOptions({
    queryKey: sourceKeys.study(studyId),
    queryFn: ({ signal }) => api<SourceList>(base(studyId), { signal }),
    // A pull in progress changes the source's status on its own: look again while one runs.
    refetchInterval: (query) => (query.state.data?.data.some((s) => s.activePullId) ? 2000 : false),
  });
}

export function pullsQuery(studyId: string, sourceId: string) {
  return queryOptions({
    queryKey: sourceKeys.pulls(studyId, sourceId),
    queryFn: ({ signal }) => api<{ data: DataSourcePull[] }>(`${base(studyId)}/${sourceId}/pulls`, { signal }),
  });
}

export function pullQuery(studyId: string, sourceId: string, pullId: string) {
  return queryOptions({
    queryKey: sourceKeys.pull(studyId, sourceId, pullId),
    queryFn: ({ signal }) =>
      api<{ data: DataSourcePullDetail }>(`${base(studyId)}/${sourceId}/pulls/${pullId}`, { signal }),
    refetchInterval: (query) =>
      query.state.data && ['QUEUED', 'RUNNING'].includes(query.state.data.data.status) ? 1000 : false,
  });
}

export function createSource(studyId: string, body: unknown) {
  return api<{ data: DataSource }>(base(studyId), { method: 'POST', body });
}
export function updateSource(studyId: string, sourceId: string, body: unknown) {
  return api<{ data: DataSource }>(`${base(studyId)}/${sourceId}`, { method: 'PATCH', body });
}
export function deleteSource(studyId: string, sourceId: string) {
  return api<unknown>(`${base(studyId)}/${sourceId}`, { method: 'DELETE' });
}
export function replaceSecret(studyId: string, sourceId: string, secret: string) {
  return api<{ data: DataSource }>(`${base(studyId)}/${sourceId}/secret`, { method: 'PUT', body: { secret } });
}
export function testNewSource(studyId: string, body: unknown) {
  return api<{ data: ConnectionCheck }>(`${base(studyId)}/test`, { method: 'POST', body });
}
export function testSavedSource(studyId: string, sourceId: string) {
  return api<{ data: ConnectionCheck }>(`${base(studyId)}/${sourceId}/test`, { method: 'POST' });
}
export function listRaveStudies(studyId: string, body: unknown) {
  return api<{ data: { oid: string; project: string; environment: string; name: string }[] }>(
    `${base(studyId)}/rave-studies`,
    { method: 'POST', body },
  );
}
export function pullNow(studyId: string, sourceId: string) {
  return api<{ data: DataSourcePullDetail }>(`${base(studyId)}/${sourceId}/pulls`, { method: 'POST' });
}
export function cancelPull(studyId: string, sourceId: string, pullId: string) {
  return api<{ data: DataSourcePullDetail }>(`${base(studyId)}/${sourceId}/pulls/${pullId}/cancel`, {
    method: 'POST',
  });
}
