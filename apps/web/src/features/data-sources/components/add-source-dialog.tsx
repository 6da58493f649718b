import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { DescriptionList } from '../../../components/ui/description-list.tsx';
import { Dialog, DialogBody, DialogContent, DialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { useFeature } from '../../auth/hooks/use-me.ts';
import {
  type ConnectionCheck,
  createSource,
  listRaveStudies,
  sourceKeys,
  testNewSource,
} from '../api/data-sources-api.ts';
import {
  configOf,
  type Draft,
  EMPTY_DRAFT,
  scheduleProblem,
  TYPE_LABELS,
  touchesConnection,
  whereOfDraft,
} from '../lib/source-draft.ts';
import {
  CheckResult,
  ConnectionFields,
  HostKeyConfirm,
  type RaveChoice,
  ScheduleFields,
  TargetFields,
} from './source-fields.tsx';

const STEPS = ['Type', 'Connection', 'Test', 'What to take', 'Schedule', 'Review'] as const;

interface AddSourceDialogProps {
  studyId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

/** The add-source wizard: type → connection → test → what to take → schedule → review. */
export function AddSourceDialog({ studyId, open, onOpenChange }: AddSourceDialogProps) {
  const queryClient = useQueryClient();
  const raveOn = useFeature('rave_connector');
  const filesOn = useFeature('sftp_connector');
  const [step, setStep] = useState(0);
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [raveStudies, setRaveStudies] = useState<RaveChoice[]>([]);

  useEffect(() => {
    if (!open) return;
    setStep(0);
    setDraft({ ...EMPTY_DRAFT, type: filesOn ? 'sftp' : 'rave' });
    setCheck(null);
    setConfirmed(false);
    setError(null);
    setRaveStudies([]);
  }, [open, filesOn]);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    // Only where and as whom make a test (and the host key confirmed on it) stale: picking the
    // remote folder, pattern or Rave study on the next step must not drop the confirmation.
    if (touchesConnection(key)) {
      setCheck(null);
      setConfirmed(false);
      setRaveStudies([]);
    }
  };
  const fingerprint = draft.type === 'sftp' && confirmed ? (check?.hostKeyFingerprint ?? null) : null;
  const testBody = () => ({
    type: draft.type,
    config: configOf(draft, null),
    ...(draft.type !== 'folder' && draft.secret ? { secret: draft.secret } : {}),
  });

  const test = useMutation({
    mutationFn: () => testNewSource(studyId, testBody()),
    onSuccess: (res) => {
      // A confirmation holds for the key that was shown: another key must be confirmed anew.
      if (res.data.hostKeyFingerprint !== check?.hostKeyFingerprint) setConfirmed(false);
      setCheck(res.data);
      setError(null);
      // The account works: fetch its studies now so the next step offers them to pick.
      if (res.data.ok && draft.type === 'rave') rave.mutate();
    },
    onError: (e) => setError(errorMessage(e)),
  });
  const rave = useMutation({
    mutationFn: () => listRaveStudies(studyId, { config: configOf(draft, null), secret: draft.secret || undefined }),
    onSuccess: (res) => setRaveStudies(res.data),
    onError: (e) => setError(errorMessage(e)),
  });
  const save = useMutation({
    mutationFn: () =>
      createSource(studyId, {
        type: draft.type,
        name: draft.name.trim(),
        config: configOf(draft, fingerprint),
        ...(draft.type !== 'folder' ? { secret: draft.secret } : {}),
        schedule: draft.scheduled ? { cron: draft.cron.trim(), timeZone: draft.timeZone.trim() } : null,
        autoActivate: draft.autoActivate,
      }),
    onSuccess: async (res) => {
      await queryClient.invalidateQueries({ queryKey: sourceKeys.all });
      toast.success(`Data source ${res.data.name} added`);
      onOpenChange(false);
    },
    onError: (e) => setError(errorMessage(e)),
  });

  const canNext = (() => {
    if (step === 1) {
      if (!draft.name.trim()) return false;
      if (draft.type === 'sftp') return Boolean(draft.host.trim() && draft.username.trim() && draft.secret);
      if (draft.type === 'rave') return Boolean(draft.baseUrl.trim().length > 8 && draft.secret);
      return Boolean(draft.path.trim());
    }
    // sFTP: signed in (a key was shown) and the key confirmed; a remote folder that cannot be
    // listed yet is chosen on the next step, so it does not block this one.
    if (step === 2) return draft.type === 'sftp' ? Boolean(check?.hostKeyFingerprint) && confirmed : Boolean(check?.ok);
    if (step === 3) {
      if (draft.type === 'rave') return Boolean(draft.project.trim() && draft.environment.trim());
      if (draft.type === 'sftp') return Boolean(draft.remoteDir.trim());
      return true;
    }
    if (step === 4) return scheduleProblem(draft) === null;
    return true;
  })();

  return (
    <Dialog open={open} onOpenChange={(next) => !save.isPending && onOpenChange(next)}>
      <DialogContent
        title="Add data source"
        description={`Step ${step + 1} of ${STEPS.length}: ${STEPS[step]}`}
        size="lg"
      >
        <DialogBody>
          <ol className="flex flex-wrap gap-1.5 text-xs" aria-label="Steps">
            {STEPS.map((label, i) => (
              <li
                key={label}
                aria-current={i === step ? 'step' : undefined}
                className={
                  i === step
                    ? 'rounded-full bg-primary-soft px-2 py-0.5 font-medium text-primary-soft-foreground'
                    : 'rounded-full px-2 py-0.5 text-muted-foreground'
                }
              >
                {i + 1}. {label}
              </li>
            ))}
          </ol>

          {step === 0 ? (
            <fieldset className="space-y-2">
              <legend className="mb-2 text-sm font-medium">Where does the data come from?</legend>
              {(['sftp', 'folder', 'rave'] as const)
                .filter((t) => (t === 'rave' ? raveOn : filesOn))
                .map((t) => (
                  <label
                    key={t}
                    className="flex cursor-pointer items-start gap-3 rounded-md border border-border p-3 has-checked:border-primary"
                  >
                    <input
                      type="radio"
                      name="source-type"
                      value={t}
                      checked={draft.type === t}
                      onChange={() => set('type', t)}
                      className="mt-1"
                    />
                    <span>
                      <span className="block text-sm font-medium">{TYPE_LABELS[t]}</span>
                      <span className="block text-xs text-muted-foreground">
                        {t === 'sftp'
                          ? 'Files a vendor drops on an sFTP server (ZIP, XPT, SAS, CSV, Excel, ODM…).'
                          : t === 'folder'
                            ? 'Files dropped into a folder on this server, under the import root the administrator set.'
                            : 'Clinical data from Rave Web Services, incrementally.'}
                      </span>
                    </span>
                  </label>
                ))}
            </fieldset>
          ) : null}

          {step === 1 ? <ConnectionFields draft={draft} set={set} withSecret /> : null}

          {step === 2 ? (
            <div className="space-y-4">
              <Button type="button" onClick={() => test.mutate()} disabled={test.isPending}>
                {test.isPending ? 'Testing…' : check ? 'Test again' : 'Test connection'}
              </Button>
              {check ? <CheckResult check={check} /> : null}
              {check?.hostKeyFingerprint ? (
                <HostKeyConfirm
                  fingerprint={check.hostKeyFingerprint}
                  confirmed={confirmed}
                  onConfirmedChange={setConfirmed}
                  label="This is the key my vendor gave me: trust it."
                />
              ) : null}
            </div>
          ) : null}

          {step === 3 ? (
            <div className="space-y-4">
              {draft.type === 'rave' ? (
                <Button type="button" variant="secondary" onClick={() => rave.mutate()} disabled={rave.isPending}>
                  {rave.isPending
                    ? 'Asking Rave…'
                    : raveStudies.length > 0
                      ? 'List the studies again'
                      : 'List the studies this account sees'}
                </Button>
              ) : null}
              <TargetFields draft={draft} set={set} raveStudies={raveStudies} />
              {draft.type !== 'rave' ? (
                <div className="space-y-2">
                  <Button type="button" variant="secondary" onClick={() => test.mutate()} disabled={test.isPending}>
                    {test.isPending ? 'Looking…' : 'Check which files match'}
                  </Button>
                  {check && !test.isPending ? <CheckResult check={check} /> : null}
                </div>
              ) : null}
            </div>
          ) : null}

          {step === 4 ? <ScheduleFields draft={draft} set={set} idPrefix="source" /> : null}

          {step === 5 ? (
            <DescriptionList
              items={[
                ['Name', draft.name],
                ['Type', TYPE_LABELS[draft.type]],
                ['Where', whereOfDraft(draft)],
                ...(draft.type === 'rave'
                  ? ([
                      ['Forms', draft.forms.trim() || 'All'],
                      ['Audit records', draft.includeAudit ? 'Pulled into AUDIT' : 'Not pulled'],
                    ] as [string, ReactNode][])
                  : []),
                ...(draft.type === 'sftp' && draft.archiveDir.trim()
                  ? ([['Archive folder', draft.archiveDir.trim()]] as [string, ReactNode][])
                  : []),
                ...(fingerprint
                  ? ([
                      [
                        'Host key',
                        <code key="fp" className="break-all font-mono text-xs">
                          {fingerprint}
                        </code>,
                      ],
                    ] as [string, ReactNode][])
                  : []),
                ['Secret', draft.type === 'folder' ? 'none' : '•••• (stored encrypted)'],
                ['Schedule', draft.scheduled ? `${draft.cron} (${draft.timeZone})` : 'By hand only'],
                ['New versions', draft.autoActivate ? 'Activated at once' : 'Kept for someone to activate'],
              ]}
            />
          ) : null}
          <FormError message={error ?? undefined} />
        </DialogBody>
        <DialogFooter>
          <Button
            type="button"
            variant="secondary"
            onClick={() => (step === 0 ? onOpenChange(false) : setStep(step - 1))}
          >
            {step === 0 ? 'Cancel' : 'Back'}
          </Button>
          {step < STEPS.length - 1 ? (
            <Button
              type="button"
              disabled={!canNext}
              onClick={() => {
                setError(null);
                setStep(step + 1);
              }}
            >
              Next
            </Button>
          ) : (
            <Button type="button" disabled={save.isPending} onClick={() => save.mutate()}>
              {save.isPending ? 'Saving…' : 'Add source'}
            </Button>
          )}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
