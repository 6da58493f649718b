import type {
  CheckPipelineBody,
  DatasetLineage,
  PipelineCheckResponse,
  PipelineDefinitionInput,
  PipelineDiff,
  PipelineList,
  PipelineOutputList,
  PipelineOutputVersion,
  PipelinePreviewResponse,
  PipelineResource,
  PipelineRunList,
  PipelineRunResource,
  PipelineVersionList,
  PipelineVersionResource,
  PreviewPipelineBody,
  SavePipelineBody,
} from '@cdp/contracts';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export const pipelinesPath = (studyId: string) => `/api/studies/${studyId}/pipelines`;
export const pipelinePath = (studyId: string, pipelineId: string) => `${pipelinesPath(studyId)}/${pipelineId}`;
export const runPath = (studyId: string, pipelineId: string, runId: string) =>
  `${pipelinePath(studyId, pipelineId)}/runs/${runId}`;

export const pipelineKeys = {
  all: ['pipelines'] as const,
  study: (studyId: string) => ['pipelines', studyId] as const,
  list: (studyId: string) => ['pipelines', studyId, 'list'] as const,
  pipeline: (studyId: string, pipelineId: string) => ['pipelines', studyId, 'pipeline', pipelineId] as const,
  detail: (studyId: string, pipelineId: string) => [...pipelineKeys.pipeline(studyId, pipelineId), 'detail'] as const,
  versions: (studyId: string, pipelineId: string) =>
    [...pipelineKeys.pipeline(studyId, pipelineId), 'versions'] as const,
  runs: (studyId: string, pipelineId: string) => [...pipelineKeys.pipeline(studyId, pipelineId), 'runs'] as const,
  run: (studyId: string, pipelineId: string, runId: string) =>
    [...pipelineKeys.pipeline(studyId, pipelineId), 'run', runId] as const,
  outputs: (studyId: string, pipelineId: string) => [...pipelineKeys.pipeline(studyId, pipelineId), 'outputs'] as const,
  output: (studyId: string, outputId: string) => ['pipelines', studyId, 'output', outputId] as const,
};

export const pipelinesQuery = (studyId: string) =>
  queryOptions({
    queryKey: pipelineKeys.list(studyId),
    queryFn: ({ signal }) => api<PipelineList>(pipelinesPath(studyId), { signal }),
  });

export const pipelineQuery = (studyId: string, pipelineId: string) =>
  queryOptions({
    queryKey: pipelineKeys.detail(studyId, pipelineId),
    queryFn: ({ signal }) => api<PipelineResource>(pipelinePath(studyId, pipelineId), { signal }),
  });

export const pipelineVersionsQuery = (studyId: string, pipelineId: string) =>
  queryOptions({
    queryKey: pipelineKeys.versions(studyId, pipelineId),
    queryFn: ({ signal }) => api<PipelineVersionList>(`${pipelinePath(studyId, pipelineId)}/versions`, { signal }),
  });

// A saved version never changes.
export const pipelineVersionQuery = (studyId: string, pipelineId: string, version: number) =>
  queryOptions({
    queryKey: [...pipelineKeys.versions(studyId, pipelineId), version],
    queryFn: ({ signal }) =>
      api<PipelineVersionResource>(`${pipelinePath(studyId, pipelineId)}/versions/${version}`, { signal }),
    staleTime: Number.POSITIVE_INFINITY,
  });

export const pipelineDiffQuery = (studyId: string, pipelineId: string, from: number, to: number) =>
  queryOptions({
    queryKey: [...pipelineKeys.versions(studyId, pipelineId), 'diff', from, to],
    queryFn: ({ signal }) =>
      api<PipelineDiff>(`${pipelinePath(studyId, pipelineId)}/diff`, { query: { from, to }, signal }),
    staleTime: Number.POSITIVE_INFINITY,
  });

export const pipelineRunsQuery = (studyId: string, pipelineId: string) =>
  queryOptions({
    queryKey: pipelineKeys.runs(studyId, pipelineId),
    queryFn: ({ signal }) => api<PipelineRunList>(`${pipelinePath(studyId, pipelineId)}/runs`, { signal }),
  });

export const pipelineRunQuery = (studyId: string, pipelineId: string, runId: string) =>
  queryOptions({
    queryKey: pipelineKeys.run(studyId, pipelineId, runId),
    queryFn: ({ signal }) => api<PipelineRunResource>(runPath(studyId, pipelineId, runId), { signal }),
  });

export const pipelineOutputsQuery = (studyId: string, pipelineId: string) =>
  queryOptions({
    queryKey: pipelineKeys.outputs(studyId, pipelineId),
    queryFn: ({ signal }) => api<PipelineOutputList>(`${pipelinePath(studyId, pipelineId)}/outputs`, { signal }),
  });

export const pipelineOutputQuery = (studyId: string, outputId: string) =>
  queryOptions({
    queryKey: pipelineKeys.output(studyId, outputId),
    queryFn: ({ signal }) =>
      api<{ data: PipelineOutputVersion; permissions: string[] }>(
        `/api/studies/${studyId}/pipeline-outputs/${outputId}`,
        { signal },
      ),
    staleTime: Number.POSITIVE_INFINITY,
  });

export const lineageQuery = (studyId: string, outputId: string) =>
  queryOptions({
    queryKey: [...pipelineKeys.output(studyId, outputId), 'lineage'],
    queryFn: ({ signal }) =>
      api<DatasetLineage>(`/api/studies/${studyId}/pipeline-outputs/${outputId}/lineage`, { signal }),
    staleTime: Number.POSITIVE_INFINITY,
  });

export function createPipeline(studyId: string, body: PipelineDefinitionInput) {
  return api<PipelineResource>(pipelinesPath(studyId), { method: 'POST', body });
}

export function savePipeline(studyId: string, pipelineId: string, body: SavePipelineBody) {
  return api<PipelineResource>(pipelinePath(studyId, pipelineId), { method: 'PUT', body });
}

export function restorePipelineVersion(studyId: string, pipelineId: string, version: number, current: number) {
  return api<PipelineResource>(`${pipelinePath(studyId, pipelineId)}/versions/${version}/restore`, {
    method: 'POST',
    body: { version: current },
  });
}

export function checkPipeline(studyId: string, body: CheckPipelineBody, signal?: AbortSignal) {
  return api<PipelineCheckResponse>(`${pipelinesPath(studyId)}/check`, { method: 'POST', body, signal });
}

export const previewQuery = (studyId: string, body: PreviewPipelineBody, enabled: boolean) =>
  queryOptions({
    queryKey: ['pipelines', studyId, 'preview', JSON.stringify(body)],
    queryFn: ({ signal }) =>
      api<PipelinePreviewResponse>(`${pipelinesPath(studyId)}/preview`, { method: 'POST', body, signal }),
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
    retry: false,
  });

export function startRun(studyId: string, pipelineId: string) {
  return api<PipelineRunResource>(`${pipelinePath(studyId, pipelineId)}/runs`, { method: 'POST' });
}

export function cancelRun(studyId: string, pipelineId: string, runId: string) {
  return api<PipelineRunResource>(`${runPath(studyId, pipelineId, runId)}/cancel`, { method: 'POST' });
}
