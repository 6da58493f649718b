import type { DataSource } from '@cdp/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Dialog, DialogBody, DialogContent, DialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import {
  type ConnectionCheck,
  listRaveStudies,
  sourceKeys,
  testNewSource,
  updateSource,
} from '../api/data-sources-api.ts';
import { type Draft, draftOf, savedConfigOf, scheduleProblem, touchesConnection } from '../lib/source-draft.ts';
import {
  CheckResult,
  ConnectionFields,
  HostKeyConfirm,
  type RaveChoice,
  ScheduleFields,
  TargetFields,
} from './source-fields.tsx';

interface EditSourceDialogProps {
  studyId: string;
  source: DataSource;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

/**
 * Change a saved source: name, where and as whom (the secret is replaced apart), what to take,
 * schedule, auto-activate. Changes are tested with the saved secret before saving. For sFTP, a
 * key the server shows that is not the pinned one (first confirmation, or a re-keyed server) can
 * be confirmed here; the test that shows it sends nothing to such a server.
 */
export function EditSourceDialog({ studyId, source, open, onOpenChange }: EditSourceDialogProps) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => draftOf(source));
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const [raveStudies, setRaveStudies] = useState<RaveChoice[]>([]);
  const pinned = (source.config as { hostKeyFingerprint?: string }).hostKeyFingerprint ?? null;

  useEffect(() => {
    if (!open) return;
    setDraft(draftOf(source));
    setCheck(null);
    setConfirmed(false);
    setRaveStudies([]);
  }, [open, source]);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    if (touchesConnection(key)) {
      setCheck(null);
      setConfirmed(false);
    }
  };
  // A key the test showed that is not the pinned one, for the user to confirm.
  const shown = check?.hostKeyFingerprint && check.hostKeyFingerprint !== pinned ? check.hostKeyFingerprint : null;
  const fingerprint = shown && confirmed ? shown : pinned;

  const test = useMutation({
    mutationFn: () =>
      testNewSource(studyId, { type: source.type, sourceId: source.id, config: savedConfigOf(source, draft, pinned) }),
    onSuccess: (res) => {
      if (res.data.hostKeyFingerprint !== check?.hostKeyFingerprint) setConfirmed(false);
      setCheck(res.data);
    },
  });
  const rave = useMutation({
    mutationFn: () => listRaveStudies(studyId, { sourceId: source.id, config: savedConfigOf(source, draft, null) }),
    onSuccess: (res) => setRaveStudies(res.data),
  });
  const save = useMutation({
    mutationFn: () =>
      updateSource(studyId, source.id, {
        name: draft.name.trim(),
        config: savedConfigOf(source, draft, fingerprint),
        schedule: draft.scheduled ? { cron: draft.cron.trim(), timeZone: draft.timeZone.trim() } : null,
        autoActivate: draft.autoActivate,
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: sourceKeys.all });
      toast.success(`${draft.name.trim()} saved`);
      onOpenChange(false);
    },
  });
  const error = save.error ?? test.error ?? rave.error;
  const authChanged =
    source.type !== 'folder' &&
    (source.config as { auth?: string }).auth !== (source.type === 'sftp' ? draft.auth : draft.raveAuth);

  return (
    <Dialog open={open} onOpenChange={(next) => !save.isPending && onOpenChange(next)}>
      <DialogContent
        title={`Edit ${source.name}`}
        description="Test the changes before saving them; the stored secret is used and never shown."
        size="lg"
      >
        <DialogBody>
          <section className="space-y-3" aria-label="Connection">
            <ConnectionFields draft={draft} set={set} withSecret={false} />
            {authChanged ? (
              <p className="text-xs text-warning-soft-foreground">
                Signing in another way needs another secret: save, then use Replace secret.
              </p>
            ) : null}
          </section>
          <section className="space-y-3" aria-label="What to take">
            {source.type === 'rave' ? (
              <Button type="button" variant="secondary" onClick={() => rave.mutate()} disabled={rave.isPending}>
                {rave.isPending ? 'Asking Rave…' : 'List the studies this account sees'}
              </Button>
            ) : null}
            <TargetFields draft={draft} set={set} raveStudies={raveStudies} />
          </section>
          <section className="space-y-3" aria-label="Test">
            <Button type="button" variant="secondary" onClick={() => test.mutate()} disabled={test.isPending}>
              {test.isPending ? 'Testing…' : 'Test these settings'}
            </Button>
            {source.type === 'sftp' ? (
              <p className="break-all text-xs text-muted-foreground">
                Pinned host key: {pinned ? <code className="font-mono">{pinned}</code> : 'none confirmed yet'}
              </p>
            ) : null}
            {check ? <CheckResult check={check} /> : null}
            {shown ? (
              <HostKeyConfirm
                fingerprint={shown}
                confirmed={confirmed}
                onConfirmedChange={setConfirmed}
                label={
                  pinned
                    ? 'My vendor re-keyed the server and gave me this key: trust it instead.'
                    : 'This is the key my vendor gave me: trust it.'
                }
              />
            ) : null}
          </section>
          <section aria-label="Schedule">
            <ScheduleFields draft={draft} set={set} idPrefix={`edit-${source.id}`} />
          </section>
          <FormError message={error ? errorMessage(error) : undefined} />
        </DialogBody>
        <DialogFooter>
          <Button type="button" variant="secondary" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button
            type="button"
            disabled={save.isPending || !draft.name.trim() || scheduleProblem(draft) !== null}
            onClick={() => save.mutate()}
          >
            {save.isPending ? 'Saving…' : 'Save changes'}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
