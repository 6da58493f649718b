import { CheckCircle2, ShieldAlert, XCircle } from 'lucide-react';
import { useMemo } from 'react';
import { Checkbox } from '../../../components/ui/checkbox.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { Textarea } from '../../../components/ui/textarea.tsx';
import { describeCron, nextRuns } from '../../pipelines/lib/schedule.ts';
import { timeZones } from '../../scheduled-reports/lib/schedule-form.ts';
import type { ConnectionCheck } from '../api/data-sources-api.ts';
import { type Draft, scheduleProblem } from '../lib/source-draft.ts';

type SetField = <K extends keyof Draft>(key: K, value: Draft[K]) => void;

export interface RaveChoice {
  oid: string;
  project: string;
  environment: string;
  name: string;
}

/** Where and as whom: the wizard's connection step and the edit dialog (which replaces the secret apart). */
export function ConnectionFields({ draft, set, withSecret }: { draft: Draft; set: SetField; withSecret: boolean }) {
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <FormField label="Name" required className="sm:col-span-2">
        {(c) => (
          <Input {...c} value={draft.name} onChange={(e) => set('name', e.target.value)} placeholder="Vendor sFTP" />
        )}
      </FormField>
      {draft.type === 'sftp' ? (
        <>
          <FormField label="Host" required>
            {(c) => <Input {...c} value={draft.host} onChange={(e) => set('host', e.target.value)} />}
          </FormField>
          <FormField label="Port" required>
            {(c) => (
              <Input {...c} inputMode="numeric" value={draft.port} onChange={(e) => set('port', e.target.value)} />
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
      {withSecret && draft.type !== 'folder' ? <SecretField draft={draft} set={set} /> : null}
    </div>
  );
}

function SecretField({ draft, set }: { draft: Draft; set: SetField }) {
  const isKey = draft.type === 'sftp' && draft.auth === 'private_key';
  return (
    <FormField
      label={isKey ? 'Private key' : draft.type === 'rave' && draft.raveAuth === 'bearer' ? 'Token' : 'Password'}
      required
      className="sm:col-span-2"
      hint="Stored encrypted and never shown again."
    >
      {(c) =>
        isKey ? (
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
  );
}

/** What to take: the Rave study and environment (picked from the account's list), or the folder and pattern. */
export function TargetFields({ draft, set, raveStudies }: { draft: Draft; set: SetField; raveStudies: RaveChoice[] }) {
  if (draft.type === 'rave') {
    return (
      <div className="grid gap-4 sm:grid-cols-2">
        {raveStudies.length > 0 ? (
          <FormField
            label="Study and environment"
            className="sm:col-span-2"
            hint={`${raveStudies.length} the account sees; or type the project and environment below.`}
          >
            {(c) => (
              <Select
                {...c}
                value={
                  raveStudies.find((s) => s.project === draft.project && s.environment === draft.environment)?.oid ?? ''
                }
                onChange={(e) => {
                  const pick = raveStudies.find((s) => s.oid === e.target.value);
                  if (!pick) return;
                  set('project', pick.project);
                  set('environment', pick.environment);
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
          {(c) => <Input {...c} value={draft.environment} onChange={(e) => set('environment', e.target.value)} />}
        </FormField>
        <FormField
          label="Forms"
          optional
          className="sm:col-span-2"
          hint="FormOIDs to pull, e.g. DM, AE, VS (one request per form); all forms when empty."
        >
          {(c) => <Input {...c} value={draft.forms} onChange={(e) => set('forms', e.target.value)} />}
        </FormField>
        <label htmlFor="rave-include-audit" className="flex items-center gap-2 text-sm sm:col-span-2">
          <Checkbox
            id="rave-include-audit"
            checked={draft.includeAudit}
            onCheckedChange={(v) => set('includeAudit', v === true)}
          />
          Also pull the Clinical Audit Records (an AUDIT dataset)
        </label>
      </div>
    );
  }
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      {draft.type === 'sftp' ? (
        <FormField label="Remote folder" required>
          {(c) => <Input {...c} value={draft.remoteDir} onChange={(e) => set('remoteDir', e.target.value)} />}
        </FormField>
      ) : (
        <FormField label="Stable for (seconds)" hint="A file is taken once its size has not changed this long.">
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
          {(c) => <Input {...c} value={draft.archiveDir} onChange={(e) => set('archiveDir', e.target.value)} />}
        </FormField>
      ) : null}
    </div>
  );
}

const fmt = (date: Date, timeZone: string) =>
  new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);

/** By hand or on a cron schedule in a time zone (checked as typed, with the next runs), and auto-activate. */
export function ScheduleFields({ draft, set, idPrefix }: { draft: Draft; set: SetField; idPrefix: string }) {
  const zones = useMemo(timeZones, []);
  const problem = scheduleProblem(draft);
  const upcoming = draft.scheduled && !problem ? nextRuns(draft.cron, draft.timeZone, 3) : [];
  return (
    <div className="space-y-4">
      <label htmlFor={`${idPrefix}-scheduled`} className="flex items-center gap-2 text-sm">
        <Checkbox
          id={`${idPrefix}-scheduled`}
          checked={draft.scheduled}
          onCheckedChange={(v) => set('scheduled', v === true)}
        />
        Pull on a schedule (otherwise by hand with Pull now)
      </label>
      {draft.scheduled ? (
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField label="Cron" hint="minute hour day month weekday, e.g. 0 6 * * 1-5" error={problem?.cron}>
            {(c) => <Input {...c} value={draft.cron} onChange={(e) => set('cron', e.target.value)} />}
          </FormField>
          <FormField label="Time zone" error={problem?.timeZone}>
            {(c) => (
              <Select {...c} value={draft.timeZone} onChange={(e) => set('timeZone', e.target.value)}>
                {(zones.includes(draft.timeZone) ? zones : [draft.timeZone, ...zones]).map((zone) => (
                  <option key={zone} value={zone}>
                    {zone}
                  </option>
                ))}
              </Select>
            )}
          </FormField>
          {upcoming.length > 0 ? (
            <p className="text-xs text-muted-foreground sm:col-span-2" data-testid="schedule-preview">
              {describeCron(draft.cron)} ({draft.timeZone}). Next:{' '}
              {upcoming.map((d) => fmt(d, draft.timeZone)).join(' · ')}
            </p>
          ) : null}
        </div>
      ) : null}
      <label htmlFor={`${idPrefix}-auto-activate`} className="flex items-center gap-2 text-sm">
        <Checkbox
          id={`${idPrefix}-auto-activate`}
          checked={draft.autoActivate}
          onCheckedChange={(v) => set('autoActivate', v === true)}
        />
        Make each new version the active one (pipelines set to run on activation then run)
      </label>
    </div>
  );
}

/** A connection test's answer: what was found, or what failed and why. */
export function CheckResult({ check }: { check: ConnectionCheck }) {
  return (
    <div role="status" className="flex items-start gap-2 rounded-md border border-border bg-surface-muted p-3 text-sm">
      {check.ok ? (
        <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-emerald-600" aria-hidden />
      ) : (
        <XCircle className="mt-0.5 size-4 shrink-0 text-destructive" aria-hidden />
      )}
      <span className="min-w-0 break-words">{check.message}</span>
    </div>
  );
}

/** The server's host key fingerprint, to compare with the vendor's and confirm (pinned once saved). */
export function HostKeyConfirm({
  fingerprint,
  confirmed,
  onConfirmedChange,
  label,
}: {
  fingerprint: string;
  confirmed: boolean;
  onConfirmedChange: (confirmed: boolean) => void;
  label: string;
}) {
  return (
    <div className="space-y-2 rounded-md border border-amber-200 bg-warning-soft p-3 text-sm">
      <p className="flex items-center gap-2 font-medium">
        <ShieldAlert className="size-4" aria-hidden /> Host key fingerprint
      </p>
      <code className="block break-all font-mono text-xs" data-testid="host-key-fingerprint">
        {fingerprint}
      </code>
      <label htmlFor="confirm-host-key" className="flex items-center gap-2">
        <Checkbox id="confirm-host-key" checked={confirmed} onCheckedChange={(v) => onConfirmedChange(v === true)} />
        <span>{label}</span>
      </label>
    </div>
  );
}
