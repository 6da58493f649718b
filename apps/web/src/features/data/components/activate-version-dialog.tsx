import type { DataVersion } from '@cdp/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ReasonDialog } from '../../../components/ui/reason-dialog.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { dashboardKeys } from '../../dashboards/api/dashboards-api.ts';
import { activateVersion, dataKeys } from '../api/data-api.ts';
import { isRollBack } from './version-bits.tsx';

interface ActivateVersionDialogProps {
  studyId: string;
  version: DataVersion;
  active: DataVersion | undefined;
  onClose: () => void;
}

/** Makes a version the one the study reads; going back to an older one is a roll back. Both need a reason. */
export function ActivateVersionDialog({ studyId, version, active, onClose }: ActivateVersionDialogProps) {
  const queryClient = useQueryClient();
  const rollBack = isRollBack(version, active);
  const mutation = useMutation({
    mutationFn: (reason: string) => activateVersion(studyId, version.id, reason),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: dataKeys.versions(studyId) });
      await queryClient.invalidateQueries({ queryKey: ['audit'] });
      // Dashboards name the version they show: they read the newly active one from now on.
      await queryClient.invalidateQueries({ queryKey: dashboardKeys.study(studyId) });
      toast.success(rollBack ? `Rolled back to ${version.label}` : `${version.label} is now the active version`);
    },
  });
  return (
    <ReasonDialog
      open
      onOpenChange={(open) => !open && onClose()}
      title={rollBack ? `Roll back to ${version.label}?` : `Activate ${version.label}?`}
      description={
        <>
          Dashboards, pipelines and exports will read this version from now on.
          {active ? (
            <>
              {' '}
              The current version, <span className="font-mono">{active.label}</span>, stays stored and can be activated
              again.
            </>
          ) : null}
        </>
      }
      confirmLabel={rollBack ? 'Roll back' : 'Activate'}
      reasonHint="Recorded in the audit trail with your name and the time."
      onConfirm={(reason) => mutation.mutateAsync(reason)}
    />
  );
}
