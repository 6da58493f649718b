import type { DataVersion } from '@cdp/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { ReasonDialog } from '../../../components/ui/reason-dialog.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { ApiError } from '../../../lib/api-error.ts';
import { dashboardKeys } from '../../dashboards/api/dashboards-api.ts';
import { SignatureDialog } from '../../signatures/components/signature-dialog.tsx';
import { activateVersion, dataKeys } from '../api/data-api.ts';
import { isRollBack } from './version-bits.tsx';

interface ActivateVersionDialogProps {
  studyId: string;
  version: DataVersion;
  active: DataVersion | undefined;
  onClose: () => void;
}

/**
 * Makes a version the one the study reads; going back to an older one is a roll back. Both need a
 * reason. When the organization requires an electronic signature for activation, the same flow
 * then asks for it (meaning, password…) and activates with it, instead of ending on a refusal.
 */
export function ActivateVersionDialog({ studyId, version, active, onClose }: ActivateVersionDialogProps) {
  const queryClient = useQueryClient();
  const rollBack = isRollBack(version, active);
  const [signingFor, setSigningFor] = useState<string | null>(null);
  const signing = useRef(false);
  const mutation = useMutation({
    mutationFn: ({ reason, signatureId }: { reason: string; signatureId?: string }) =>
      activateVersion(studyId, version.id, reason, signatureId),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: dataKeys.versions(studyId) });
      await queryClient.invalidateQueries({ queryKey: ['audit'] });
      // Dashboards name the version they show: they read the newly active one from now on.
      await queryClient.invalidateQueries({ queryKey: dashboardKeys.study(studyId) });
      toast.success(rollBack ? `Rolled back to ${version.label}` : `${version.label} is now the active version`);
    },
  });
  const confirm = async (reason: string) => {
    try {
      await mutation.mutateAsync({ reason });
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'SIGNATURE_REQUIRED') throw error;
      // Not refused for good: the signature is asked for next, and the reason is kept.
      signing.current = true;
      setSigningFor(reason);
    }
  };
  return (
    <>
      <ReasonDialog
        open={signingFor === null}
        onOpenChange={(open) => !open && !signing.current && onClose()}
        title={rollBack ? `Roll back to ${version.label}?` : `Activate ${version.label}?`}
        description={
          <>
            Dashboards, pipelines and exports will read this version from now on.
            {active ? (
              <>
                {' '}
                The current version, <span className="font-mono">{active.label}</span>, stays stored and can be
                activated again.
              </>
            ) : null}
          </>
        }
        confirmLabel={rollBack ? 'Roll back' : 'Activate'}
        reasonHint="Recorded in the audit trail with your name and the time."
        onConfirm={confirm}
      />
      {signingFor !== null ? (
        <SignatureDialog
          open
          onOpenChange={(open) => !open && onClose()}
          resourceType="data_version"
          resourceId={version.id}
          what={`data version ${version.label} (${rollBack ? 'roll back' : 'activation'}; your organization requires a signature)`}
          defaultMeaning="Approval"
          onSigned={async (signature) => {
            await mutation.mutateAsync({ reason: signingFor, signatureId: signature.id });
          }}
        />
      ) : null}
    </>
  );
}
