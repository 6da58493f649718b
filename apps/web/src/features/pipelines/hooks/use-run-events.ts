import {
  FINISHED_RUN_STATUSES,
  type PipelineRun,
  type PipelineRunLogLine,
  type PipelineRunResource,
} from '@cdp/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { apiResponse } from '../../../lib/api-client.ts';
import { pipelineKeys, pipelineRunQuery, runPath } from '../api/pipelines-api.ts';
import { createEventParser } from '../lib/sse.ts';

export type StreamState = 'idle' | 'live' | 'reconnecting' | 'ended';

/** Adds log lines to a run, each once, in order. */
export function mergeLog(log: PipelineRunLogLine[], lines: PipelineRunLogLine[]): PipelineRunLogLine[] {
  const last = log.at(-1)?.seq ?? -1;
  const fresh = lines.filter((l) => l.seq > last);
  return fresh.length === 0 ? log : [...log, ...fresh];
}

/**
 * Follows a run live over server-sent events (`…/runs/:rid/events`) while it is queued or running:
 * status and progress replace the cached run, log lines are appended to its log. A dropped stream is
 * resumed after the last line received (`?after=`); when the run ends, the lists that show it are
 * refreshed. The cache of `pipelineRunQuery` stays the one place the page reads the run from.
 */
export function useRunEvents(studyId: string, pipelineId: string, run: PipelineRunResource | undefined): StreamState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<StreamState>('idle');
  const runId = run?.data.id;
  const finished = run ? FINISHED_RUN_STATUSES.includes(run.data.status) : true;

  useEffect(() => {
    if (!runId || finished) return;
    const key = pipelineKeys.run(studyId, pipelineId, runId);
    const controller = new AbortController();
    let ended = false;
    let failures = 0;

    const update = (fn: (current: PipelineRunResource) => PipelineRunResource) =>
      queryClient.setQueryData<PipelineRunResource>(key, (current) => (current ? fn(current) : current));

    const onEnd = (finishedRun: PipelineRun) => {
      ended = true;
      update((current) => ({ ...current, data: { ...current.data, ...finishedRun } }));
      void queryClient.invalidateQueries({ queryKey: key });
      void queryClient.invalidateQueries({ queryKey: pipelineKeys.runs(studyId, pipelineId) });
      void queryClient.invalidateQueries({ queryKey: pipelineKeys.outputs(studyId, pipelineId) });
      void queryClient.invalidateQueries({ queryKey: pipelineKeys.detail(studyId, pipelineId) });
      void queryClient.invalidateQueries({ queryKey: pipelineKeys.list(studyId) });
      setState('ended');
    };

    const follow = async () => {
      while (!ended && !controller.signal.aborted) {
        const current = queryClient.getQueryData<PipelineRunResource>(key);
        const after = current?.data.log.at(-1)?.seq ?? 0;
        try {
          const response = await apiResponse(`${runPath(studyId, pipelineId, runId)}/events`, {
            query: { after },
            signal: controller.signal,
          });
          if (!response.body) throw new Error('no stream');
          setState('live');
          failures = 0;
          const parse = createEventParser();
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            for (const message of parse(value)) {
              const payload = JSON.parse(message.data) as unknown;
              if (message.event === 'log') {
                const line = payload as PipelineRunLogLine;
                update((c) => ({ ...c, data: { ...c.data, log: mergeLog(c.data.log, [line]) } }));
              } else if (message.event === 'run') {
                const next = payload as PipelineRun;
                update((c) => ({ ...c, data: { ...c.data, ...next } }));
              } else if (message.event === 'end') {
                onEnd(payload as PipelineRun);
              }
            }
          }
          if (ended) return;
        } catch (error) {
          if (controller.signal.aborted) return;
          // A run that no longer exists, or a permission lost: stop following.
          if (error && typeof error === 'object' && 'status' in error && (error as { status: number }).status >= 400) {
            const status = (error as { status: number }).status;
            if (status !== 429 && status < 500) return;
          }
        }
        if (ended || controller.signal.aborted) return;
        // The stream closed without an end (a proxy timeout, a restarted server): resume shortly.
        setState('reconnecting');
        failures += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** (failures - 1), 15_000)));
        if (failures >= 3) {
          // After a few failures, make sure the run has not simply ended while we were away.
          const fresh = await queryClient
            .fetchQuery({ ...pipelineRunQuery(studyId, pipelineId, runId), staleTime: 0 })
            .catch(() => null);
          if (fresh && FINISHED_RUN_STATUSES.includes(fresh.data.status)) {
            onEnd(fresh.data);
            return;
          }
        }
      }
    };
    void follow();
    return () => controller.abort();
  }, [studyId, pipelineId, runId, finished, queryClient]);

  return finished && state !== 'ended' ? 'idle' : state;
}
