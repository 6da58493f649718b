import {
  API_KEY_DEFAULT_DAILY_LIMIT,
  API_KEY_DEFAULT_HOURLY_LIMIT,
  API_KEY_SCOPES,
  CreateApiKeyRequest,
  type CreatedApiKeyResponse,
  hasPermission,
  PERMISSION_LABELS,
} from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import type { z } from 'zod';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Checkbox } from '../../../components/ui/checkbox.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';
import { Dialog, DialogBody, DialogContent, DialogFooter, FormDialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { localDayToIso } from '../../../lib/format.ts';
import { useMe } from '../../auth/hooks/use-me.ts';
import { PermissionChecklist } from '../../roles/components/permission-checklist.tsx';
import { studiesQuery } from '../../studies/api/studies-api.ts';
import { apiKeyKeys, createApiKey } from '../api/api-keys-api.ts';

type Values = z.input<typeof CreateApiKeyRequest>;
type Output = z.output<typeof CreateApiKeyRequest>;

const EMPTY: Values = {
  name: '',
  scopes: ['study:view:assigned'],
  studyIds: null,
  expiresAt: null,
  hourlyLimit: API_KEY_DEFAULT_HOURLY_LIMIT,
  dailyLimit: API_KEY_DEFAULT_DAILY_LIMIT,
};

/**
 * Creates an API key: scopes grouped like the roles screen (only those the person holds, since a
 * key never holds more), all studies or a chosen few, an optional expiry and the two limits. The
 * secret is shown once, after creation, with Copy; closing the dialog forgets it.
 */
export function CreateApiKeyDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const me = useMe();
  const queryClient = useQueryClient();
  const studies = useQuery({ ...studiesQuery(), enabled: open });
  const [created, setCreated] = useState<CreatedApiKeyResponse | null>(null);
  const [expiryDay, setExpiryDay] = useState('');
  const form = useForm<Values, unknown, Output>({ resolver: zodResolver(CreateApiKeyRequest), defaultValues: EMPTY });
  const { reset } = form;
  useEffect(() => {
    if (open) {
      reset(EMPTY);
      setCreated(null);
      setExpiryDay('');
    }
  }, [open, reset]);

  const mutation = useMutation({
    mutationFn: (values: Output) => createApiKey(values),
    onSuccess: async (answer) => {
      setCreated(answer);
      await queryClient.invalidateQueries({ queryKey: apiKeyKeys.all });
    },
    onError: (error) => applyServerErrors(form, error),
  });
  const held = API_KEY_SCOPES.filter((scope) => hasPermission(me.grants, scope)).map((code) => ({
    code,
    label: PERMISSION_LABELS[code],
    assignable: true,
  }));
  const { errors } = form.formState;
  const studyIds = form.watch('studyIds');

  if (created) {
    return (
      <Dialog open={open} onOpenChange={onOpenChange}>
        <DialogContent title={`${created.data.name} created`} description="Copy the key now." size="lg">
          <DialogBody>
            <Alert tone="warning" title="This is the only time the key is shown.">
              CDP keeps only a fingerprint of it: if it is lost, revoke it and create a new one.
            </Alert>
            <div className="flex items-center gap-2">
              <code
                className="min-w-0 flex-1 break-all rounded-md border border-border bg-surface-muted px-3 py-2 font-mono text-[13px]"
                data-testid="api-key-secret"
              >
                {created.secret}
              </code>
              <CopyButton value={created.secret} label="Copy the API key" />
            </div>
            <p className="text-[13px] text-muted-foreground">
              Send it as <code className="font-mono">X-API-Key: {created.data.prefix}…</code> or{' '}
              <code className="font-mono">Authorization: Bearer {created.data.prefix}…</code>.
            </p>
          </DialogBody>
          <DialogFooter>
            <Button onClick={() => onOpenChange(false)}>Done</Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    );
  }

  return (
    <Dialog open={open} onOpenChange={(next) => !mutation.isPending && onOpenChange(next)}>
      <DialogContent
        title="New API key"
        description="For another system acting in your organization. It can do only what you can, and loses what you lose."
        size="lg"
      >
        <form onSubmit={form.handleSubmit((values) => mutation.mutate(values))} noValidate className="contents">
          <DialogBody>
            <FormField label="Name" error={errors.name?.message} required hint="Say which system uses it.">
              {(control) => (
                <Input {...control} {...form.register('name')} autoFocus placeholder="e.g. Warehouse nightly sync" />
              )}
            </FormField>
            <div className="space-y-2">
              <p className="text-[13px] font-medium">Scopes</p>
              <Controller
                control={form.control}
                name="scopes"
                render={({ field }) => (
                  <PermissionChecklist
                    permissions={held}
                    value={field.value}
                    onChange={field.onChange}
                    invalid={Boolean(errors.scopes)}
                  />
                )}
              />
              <p className="text-xs text-muted-foreground">
                Keys never manage keys, users or roles. Without “View studies” a key sees no study.
              </p>
              {errors.scopes ? <p className="text-[13px] text-destructive">{errors.scopes.message}</p> : null}
            </div>
            <fieldset className="space-y-2">
              <legend className="text-[13px] font-medium">Studies</legend>
              <label className="flex items-center gap-2 text-[13px]">
                <input
                  type="radio"
                  name="study-choice"
                  checked={studyIds === null || studyIds === undefined}
                  onChange={() => form.setValue('studyIds', null)}
                />
                Every study you can see, now and later
              </label>
              <label className="flex items-center gap-2 text-[13px]">
                <input
                  type="radio"
                  name="study-choice"
                  checked={Array.isArray(studyIds)}
                  onChange={() => form.setValue('studyIds', [])}
                />
                Only these studies
              </label>
              {Array.isArray(studyIds) ? (
                <ul className="grid max-h-40 gap-1.5 overflow-auto rounded-md border border-border p-3 sm:grid-cols-2">
                  {(studies.data?.data ?? []).map((study) => {
                    const id = `key-study-${study.id}`;
                    return (
                      <li key={study.id} className="flex items-center gap-2">
                        <Checkbox
                          id={id}
                          checked={studyIds.includes(study.id)}
                          onCheckedChange={(checked) =>
                            form.setValue(
                              'studyIds',
                              checked === true ? [...studyIds, study.id] : studyIds.filter((s) => s !== study.id),
                            )
                          }
                        />
                        <label htmlFor={id} className="truncate text-[13px]">
                          <span className="font-mono">{study.code}</span> {study.name}
                        </label>
                      </li>
                    );
                  })}
                </ul>
              ) : null}
              {errors.studyIds ? <p className="text-[13px] text-destructive">{errors.studyIds.message}</p> : null}
            </fieldset>
            <div className="grid gap-5 sm:grid-cols-3">
              <FormField label="Expires" optional error={errors.expiresAt?.message} hint="End of that day, your time.">
                {(control) => (
                  <Input
                    {...control}
                    type="date"
                    value={expiryDay}
                    onChange={(event) => {
                      setExpiryDay(event.target.value);
                      form.setValue(
                        'expiresAt',
                        event.target.value ? (localDayToIso(event.target.value, 'end') ?? null) : null,
                      );
                    }}
                  />
                )}
              </FormField>
              <FormField label="Requests per hour" error={errors.hourlyLimit?.message}>
                {(control) => (
                  <Input
                    {...control}
                    type="number"
                    min={1}
                    {...form.register('hourlyLimit', { valueAsNumber: true })}
                  />
                )}
              </FormField>
              <FormField label="Requests per day" error={errors.dailyLimit?.message}>
                {(control) => (
                  <Input {...control} type="number" min={1} {...form.register('dailyLimit', { valueAsNumber: true })} />
                )}
              </FormField>
            </div>
            <FormError message={errors.root?.server?.message} />
          </DialogBody>
          <FormDialogFooter
            submitLabel="Create key"
            pending={mutation.isPending}
            onCancel={() => onOpenChange(false)}
          />
        </form>
      </DialogContent>
    </Dialog>
  );
}
