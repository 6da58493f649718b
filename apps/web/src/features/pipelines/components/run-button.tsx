import { FINISHED_RUN_STATUSES, type PipelineSummary } from '@cdp/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Play } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage, isApiError } from '../../../lib/api-error.ts';
import { pipelineKeys, startRun } from '../api/pipelines-api.ts';

/** Starts a run of the pipeline and opens it; while a run is queued or running, there is nothing to start. */
export function RunPipelineButton({
  studyId,
  pipeline,
  size = 'md',
}: {
  studyId: string;
  pipeline: Pick<PipelineSummary, 'id' | 'name' | 'lastRun'>;
  size?: 'sm' | 'md';
}) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const active = pipeline.lastRun && !FINISHED_RUN_STATUSES.includes(pipeline.lastRun.status);
  const mutation = useMutation({
    mutationFn: () => startRun(studyId, pipeline.id),
    onSuccess: (run) => {
      queryClient.setQueryData(pipelineKeys.run(studyId, pipeline.id, run.data.id), run);
      void queryClient.invalidateQueries({ queryKey: pipelineKeys.study(studyId) });
      void navigate({
        to: '/studies/$studyId/pipelines/$pipelineId/runs/$runId',
        params: { studyId, pipelineId: pipeline.id, runId: run.data.id },
      });
    },
    onError: (error) => {
      void queryClient.invalidateQueries({ queryKey: pipelineKeys.study(studyId) });
      toast.error(
        isApiError(error, 'CONFLICT') ? 'A run of this pipeline is already under way' : 'The run did not start',
        {
          description: errorMessage(error),
        },
      );
    },
  });
  if (active && pipeline.lastRun) {
    return (
      <Button
        variant="secondary"
        size={size}
        onClick={() =>
          navigate({
            to: '/studies/$studyId/pipelines/$pipelineId/runs/$runId',
            params: { studyId, pipelineId: pipeline.id, runId: pipeline.lastRun?.id ?? '' },
          })
        }
      >
        View run
      </Button>
    );
  }
  return (
    <Button
      variant={size === 'sm' ? 'secondary' : 'primary'}
      size={size}
      onClick={() => mutation.mutate()}
      loading={mutation.isPending}
      aria-label={`Run ${pipeline.name}`}
    >
      {mutation.isPending ? null : <Play />}
      Run
    </Button>
  );
}
