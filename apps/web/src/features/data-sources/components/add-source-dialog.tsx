import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CheckCircle2, ShieldAlert, XCircle } from 'lucide-react';
import { type ReactNode, useEffect, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Checkbox } from '../../../components/ui/checkbox.tsx';
import { DescriptionList } from '../../../components/ui/description-list.tsx';
import { Dialog, DialogBody, DialogContent, DialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { Textarea } from '../../../components/ui/textarea.tsx';
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

type SourceType = 'rave' | 'sftp' | 'folder';
const STEPS = ['Type', 'Connection', 'Test', 'What to take', 'Schedule', 'Review'] as const;
const TYPE_LABELS: Record<SourceType, string> = {
  rave: 'Medidata Rave',
  sftp: 'sFTP server',
  folder: 'Watched folder',
};

interface Draft {
  type: SourceType;
  name: string;
  // sFTP
  host: string;
  port: string;
  username: string;
  auth: 'password' | 'private_key';
  remoteDir: string;
  archiveDir: string;
  // Rave
  baseUrl: string;
  raveAuth: 'basic' | 'bearer';
  project: string;
  environment: string;
  // folder
  path: string;
  stableSeconds: string;
  pattern: string;
  secret: string;
  scheduled: boolean;
  cron: string;
  timeZone: string;
  autoActivate: boolean;
}

const EMPTY: Draft = {
  type: 'sftp',
  name: '',
  host: '',
  port: '22',
  username: '',
  auth: 'password',
  remoteDir: '/outgoing',
  archiveDir: '',
  baseUrl: 'https://',
  raveAuth: 'basic',
  project: '',
  environment: '',
  path: '',
  stableSeconds: '30',
  pattern: '*.zip',
  secret: '',
  scheduled: false,
  cron: '0 6 * * *',
  timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  autoActivate: false,
};

function configOf(d: Draft, fingerprint: string | null): Record<string, unknown> {
  if (d.type === 'sftp') {
    return {
      host: d.host.trim(),
      port: Number(d.port) || 22,
      username: d.username.trim(),
      auth: d.auth,
      remoteDir: d.remoteDir.trim(),
      pattern: d.pattern.trim() || '*',
      ...(d.archiveDir.trim() ? { archiveDir: d.archiveDir.trim() } : {}),
      ...(fingerprint ? { hostKeyFingerprint: fingerprint } : {}),
    };
  }
  if (d.type === 'folder') {
    return { path: d.path.trim(), pattern: d.pattern.trim() || '*', stableSeconds: Number(d.stableSeconds) || 0 };
  }
  return {
    baseUrl: d.baseUrl.trim(),
    auth: d.raveAuth,
    ...(d.raveAuth === 'basic' && d.username.trim() ? { username: d.username.trim() } : {}),
    project: d.project.trim() || 'unknown',
    environment: d.environment.trim() || 'unknown',
  };
}

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
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [raveStudies, setRaveStudies] = useState<{ oid: string; project: string; environment: string; name: string }[]>(
    [],
  );

  useEffect(() => {
    if (!open) return;
    setStep(0);
    setDraft({ ...EMPTY, type: filesOn ? 'sftp' : 'rave' });
    setCheck(null);
    setConfirmed(false);
    setError(null);
    setRaveStudies([]);
  }, [open, filesOn]);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    if (key !== 'name' && key !== 'cron' && key !== 'timeZone' && key !== 'scheduled' && key !== 'autoActivate') {
      setCheck(null);
      setConfirmed(false);
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
      setCheck(res.data);
      setError(null);
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
    if (step === 2) return Boolean(check?.ok) && (draft.type !== 'sftp' || confirmed);
    if (step === 3) {
      if (draft.type === 'rave') return Boolean(draft.project.trim() && draft.environment.trim());
      if (draft.type === 'sftp') return Boolean(draft.remoteDir.trim());
      return true;
    }
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

          {step === 1 ? (
            <div className="grid gap-4 sm:grid-cols-2">
              <FormField label="Name" required className="sm:col-span-2">
                {(c) => (
                  <Input
                    {...c}
                    value={draft.name}
                    onChange={(e) => set('name', e.target.value)}
                    placeholder="Vendor sFTP"
                  />
                )}
              </FormField>
              {draft.type === 'sftp' ? (
                <>
                  <FormField label="Host" required>
                    {(c) => <Input {...c} value={draft.host} onChange={(e) => set('host', e.target.value)} />}
                  </FormField>
                  <FormField label="Port" required>
                    {(c) => (
                      <Input
                        {...c}
                        inputMode="numeric"
                        value={draft.port}
                        onChange={(e) => set('port', e.target.value)}
                      />
                    )}
                  </FormField>
                  <FormField label="Username" required>
                    {(c) => <Input {...c} value={draft.username} onChange={(e) => set('username', e.target.value)} />}
                  </FormField>
                  <FormField label="Sign in with">
                    {(c) => (
                      <Select {...c} value={draft.auth} onChange={(e) => set('auth', e.target.value as Draft['auth'])}>
                        <option value="password">Password</option>
                        <option value="private_key">Private key</option>
                      </Select>
                    )}
                  </FormField>
                </>
              ) : null}
              {draft.type === 'rave' ? (
                <>
                  <FormField label="Rave URL" required className="sm:col-span-2" hint="e.g. https://innovate.mdsol.com">
                    {(c) => <Input {...c} value={draft.baseUrl} onChange={(e) => set('baseUrl', e.target.value)} />}
                  </FormField>
                  <FormField label="Authentication">
                    {(c) => (
                      <Select
                        {...c}
                        value={draft.raveAuth}
                        onChange={(e) => set('raveAuth', e.target.value as Draft['raveAuth'])}
                      >
                        <option value="basic">RWS account (user and password)</option>
                        <option value="bearer">Bearer token</option>
                      </Select>
                    )}
                  </FormField>
                  {draft.raveAuth === 'basic' ? (
                    <FormField label="RWS username" required>
                      {(c) => <Input {...c} value={draft.username} onChange={(e) => set('username', e.target.value)} />}
                    </FormField>
                  ) : null}
                </>
              ) : null}
              {draft.type === 'folder' ? (
                <FormField
                  label="Folder"
                  required
                  className="sm:col-span-2"
                  hint="Inside the import root the administrator set (IMPORT_ROOT), e.g. vendor-a/incoming."
                >
                  {(c) => <Input {...c} value={draft.path} onChange={(e) => set('path', e.target.value)} />}
                </FormField>
              ) : null}
              {draft.type !== 'folder' ? (
                <FormField
                  label={
                    draft.type === 'sftp' && draft.auth === 'private_key'
                      ? 'Private key'
                      : draft.type === 'rave' && draft.raveAuth === 'bearer'
                        ? 'Token'
                        : 'Password'
                  }
                  required
                  className="sm:col-span-2"
                  hint="Stored encrypted and never shown again."
                >
                  {(c) =>
                    draft.type === 'sftp' && draft.auth === 'private_key' ? (
                      <Textarea
                        {...c}
                        rows={4}
                        value={draft.secret}
                        onChange={(e) => set('secret', e.target.value)}
                        placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
                        className="font-mono text-xs"
                      />
                    ) : (
                      <Input
                        {...c}
                        type="password"
                        autoComplete="new-password"
                        value={draft.secret}
                        onChange={(e) => set('secret', e.target.value)}
                      />
                    )
                  }
                </FormField>
              ) : null}
            </div>
          ) : null}

          {step === 2 ? (
            <div className="space-y-4">
              <Button type="button" onClick={() => test.mutate()} disabled={test.isPending}>
                {test.isPending ? 'Testing…' : check ? 'Test again' : 'Test connection'}
              </Button>
              {check ? (
                <div
                  role="status"
                  className="flex items-start gap-2 rounded-md border border-border bg-surface-muted p-3 text-sm"
                >
                  {check.ok ? (
                    <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-emerald-600" aria-hidden />
                  ) : (
                    <XCircle className="mt-0.5 size-4 shrink-0 text-destructive" aria-hidden />
                  )}
                  <span>{check.message}</span>
                </div>
              ) : null}
              {check?.ok && check.hostKeyFingerprint ? (
                <div className="space-y-2 rounded-md border border-amber-200 bg-warning-soft p-3 text-sm">
                  <p className="flex items-center gap-2 font-medium">
                    <ShieldAlert className="size-4" aria-hidden /> Host key fingerprint
                  </p>
                  <code className="block break-all font-mono text-xs" data-testid="host-key-fingerprint">
                    {check.hostKeyFingerprint}
                  </code>
                  <label htmlFor="confirm-host-key" className="flex items-center gap-2">
                    <Checkbox
                      id="confirm-host-key"
                      checked={confirmed}
                      onCheckedChange={(v) => setConfirmed(v === true)}
                    />
                    <span>This is the key my vendor gave me: trust it.</span>
                  </label>
                </div>
              ) : null}
            </div>
          ) : null}

          {step === 3 ? (
            <div className="grid gap-4 sm:grid-cols-2">
              {draft.type === 'rave' ? (
                <>
                  <div className="sm:col-span-2">
                    <Button type="button" variant="secondary" onClick={() => rave.mutate()} disabled={rave.isPending}>
                      {rave.isPending ? 'Asking Rave…' : 'List the studies this account sees'}
                    </Button>
                  </div>
                  {raveStudies.length > 0 ? (
                    <FormField label="Study and environment" className="sm:col-span-2">
                      {(c) => (
                        <Select
                          {...c}
                          value={`${draft.project}(${draft.environment})`}
                          onChange={(e) => {
                            const pick = raveStudies.find((s) => s.oid === e.target.value);
                            if (pick) setDraft((d) => ({ ...d, project: pick.project, environment: pick.environment }));
                          }}
                        >
                          <option value="">Pick one…</option>
                          {raveStudies.map((s) => (
                            <option key={s.oid} value={s.oid}>
                              {s.oid} — {s.name}
                            </option>
                          ))}
                        </Select>
                      )}
                    </FormField>
                  ) : null}
                  <FormField label="Project" required>
                    {(c) => <Input {...c} value={draft.project} onChange={(e) => set('project', e.target.value)} />}
                  </FormField>
                  <FormField label="Environment" required hint="e.g. Prod">
                    {(c) => (
                      <Input {...c} value={draft.environment} onChange={(e) => set('environment', e.target.value)} />
                    )}
                  </FormField>
                </>
              ) : (
                <>
                  {draft.type === 'sftp' ? (
                    <FormField label="Remote folder" required>
                      {(c) => (
                        <Input {...c} value={draft.remoteDir} onChange={(e) => set('remoteDir', e.target.value)} />
                      )}
                    </FormField>
                  ) : (
                    <FormField
                      label="Stable for (seconds)"
                      hint="A file is taken once its size has not changed this long."
                    >
                      {(c) => (
                        <Input
                          {...c}
                          inputMode="numeric"
                          value={draft.stableSeconds}
                          onChange={(e) => set('stableSeconds', e.target.value)}
                        />
                      )}
                    </FormField>
                  )}
                  <FormField label="File pattern" hint="e.g. *.zip or sdtm_*.zip (case does not matter)">
                    {(c) => <Input {...c} value={draft.pattern} onChange={(e) => set('pattern', e.target.value)} />}
                  </FormField>
                  {draft.type === 'sftp' ? (
                    <FormField
                      label="Archive folder"
                      optional
                      className="sm:col-span-2"
                      hint="After each successful pull, the files are moved here on the server."
                    >
                      {(c) => (
                        <Input {...c} value={draft.archiveDir} onChange={(e) => set('archiveDir', e.target.value)} />
                      )}
                    </FormField>
                  ) : null}
                </>
              )}
            </div>
          ) : null}

          {step === 4 ? (
            <div className="space-y-4">
              <label htmlFor="source-scheduled" className="flex items-center gap-2 text-sm">
                <Checkbox
                  id="source-scheduled"
                  checked={draft.scheduled}
                  onCheckedChange={(v) => set('scheduled', v === true)}
                />
                Pull on a schedule (otherwise by hand with Pull now)
              </label>
              {draft.scheduled ? (
                <div className="grid gap-4 sm:grid-cols-2">
                  <FormField label="Cron" hint="minute hour day month weekday, e.g. 0 6 * * 1-5">
                    {(c) => <Input {...c} value={draft.cron} onChange={(e) => set('cron', e.target.value)} />}
                  </FormField>
                  <FormField label="Time zone" hint="e.g. Europe/Berlin or UTC">
                    {(c) => <Input {...c} value={draft.timeZone} onChange={(e) => set('timeZone', e.target.value)} />}
                  </FormField>
                </div>
              ) : null}
              <label htmlFor="source-auto-activate" className="flex items-center gap-2 text-sm">
                <Checkbox
                  id="source-auto-activate"
                  checked={draft.autoActivate}
                  onCheckedChange={(v) => set('autoActivate', v === true)}
                />
                Make each new version the active one (pipelines set to run on activation then run)
              </label>
            </div>
          ) : null}

          {step === 5 ? (
            <DescriptionList
              items={[
                ['Name', draft.name],
                ['Type', TYPE_LABELS[draft.type]],
                [
                  'Where',
                  draft.type === 'sftp'
                    ? `${draft.username}@${draft.host}:${draft.port}${draft.remoteDir}/${draft.pattern}`
                    : draft.type === 'folder'
                      ? `${draft.path}/${draft.pattern}`
                      : `${draft.baseUrl} · ${draft.project}(${draft.environment})`,
                ],
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
