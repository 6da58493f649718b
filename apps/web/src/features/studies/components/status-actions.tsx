import { STUDY_TRANSITIONS, type Study, type StudyStatus } from '@cdp/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Archive, Lock, PlayCircle, Unlock } from 'lucide-react';
import { useState } from 'react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { ReasonDialog } from '../../../components/ui/reason-dialog.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { changeStudyStatus, studyKeys } from '../api/studies-api.ts';

interface Transition {
  label: string;
  title: string;
  description: string;
  done: string;
  Icon: typeof Lock;
  destructive?: boolean;
}

function transitionFor(from: StudyStatus, to: StudyStatus, code: string): Transition {
  if (to === 'archived') {
    return {
      label: 'Archive',
      title: `Archive ${code}?`,
      description:
        'Archiving is permanent. The study becomes read-only: it cannot be edited, activated or unlocked again.',
      done: 'archived',
      Icon: Archive,
      destructive: true,
    };
  }
  if (to === 'locked') {
    return {
      label: 'Lock',
      title: `Lock ${code}?`,
      description: 'Locking freezes the study, for example at database lock. It can be unlocked later, with a reason.',
      done: 'locked',
      Icon: Lock,
    };
  }
  if (from === 'locked') {
    return {
      label: 'Unlock',
      title: `Unlock ${code}?`,
      description: 'Unlocking makes the study active again, so its data and dashboards can change.',
      done: 'unlocked',
      Icon: Unlock,
    };
  }
  return {
    label: 'Activate',
    title: `Activate ${code}?`,
    description: 'An active study is running: its team can load data, run pipelines and build dashboards.',
    done: 'activated',
    Icon: PlayCircle,
  };
}

/** The status changes the study can make next, each confirmed with an audited reason. */
export function StatusActions({ study }: { study: Study }) {
  const queryClient = useQueryClient();
  const [target, setTarget] = useState<StudyStatus | null>(null);
  const mutation = useMutation({
    mutationFn: ({ status, reason }: { status: StudyStatus; reason: string }) =>
      changeStudyStatus(study.id, { status, reason }),
    onSuccess: async (result, { status }) => {
      queryClient.setQueryData(studyKeys.detail(study.id), result);
      await queryClient.invalidateQueries({ queryKey: studyKeys.all });
      await queryClient.invalidateQueries({ queryKey: ['audit'] });
      toast.success(`Study ${study.code} ${transitionFor(study.status, status, study.code).done}`);
    },
  });

  const transitions = STUDY_TRANSITIONS[study.status];
  const current = target ? transitionFor(study.status, target, study.code) : null;
  return (
    <>
      {transitions.map((to) => {
        const t = transitionFor(study.status, to, study.code);
        return (
          <Button key={to} variant={t.destructive ? 'destructive-outline' : 'secondary'} onClick={() => setTarget(to)}>
            <t.Icon />
            {t.label}
          </Button>
        );
      })}
      {current && target ? (
        <ReasonDialog
          open
          onOpenChange={(open) => !open && setTarget(null)}
          title={current.title}
          description={current.description}
          confirmLabel={current.destructive ? 'Archive permanently' : current.label}
          tone={current.destructive ? 'destructive' : 'primary'}
          onConfirm={(reason) => mutation.mutateAsync({ status: target, reason })}
        >
          {current.destructive ? (
            <Alert tone="danger" title="This cannot be undone">
              {study.code} will stay visible for reference, but nobody will be able to change it again.
            </Alert>
          ) : null}
        </ReasonDialog>
      ) : null}
    </>
  );
}
