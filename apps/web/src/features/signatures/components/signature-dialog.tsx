import type { SignableResourceType, SignatureDto } from '@cdp/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { CodeField } from '../../../components/ui/code-field.tsx';
import { Dialog, DialogBody, DialogContent, DialogFooter } from '../../../components/ui/dialog.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { Textarea } from '../../../components/ui/textarea.tsx';
import { ApiError, errorMessage } from '../../../lib/api-error.ts';
import { createSignature, signatureKeys, signingStatusQuery } from '../api/signatures-api.ts';

interface SignatureDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  resourceType: SignableResourceType;
  resourceId: string;
  /** What is signed, as the signer reads it: "Dashboard Safety overview, version 3". */
  what: string;
  defaultMeaning?: string;
  onSigned?: (signature: SignatureDto) => void | Promise<void>;
}

/**
 * The electronic signature (21 CFR Part 11): the meaning from the organization's list, the
 * password (and, the first time in a session, the e-mail and the authenticator code), a reason.
 */
export function SignatureDialog({
  open,
  onOpenChange,
  resourceType,
  resourceId,
  what,
  defaultMeaning,
  onSigned,
}: SignatureDialogProps) {
  const status = useQuery({ ...signingStatusQuery, enabled: open });
  const queryClient = useQueryClient();
  const [meaning, setMeaning] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<{ path?: string; message: string } | null>(null);
  const [pending, setPending] = useState(false);
  const meanings = status.data?.data.meanings ?? [];

  useEffect(() => {
    if (!open) return;
    setPassword('');
    setTotp('');
    setReason('');
    setProblem(null);
  }, [open]);
  useEffect(() => {
    if (meanings.length > 0 && !meanings.includes(meaning)) {
      setMeaning(defaultMeaning && meanings.includes(defaultMeaning) ? defaultMeaning : (meanings[0] ?? ''));
    }
  }, [meanings, meaning, defaultMeaning]);

  const needsEmail = status.data?.data.needsEmail ?? true;
  const needsTotp = status.data?.data.needsTotp ?? false;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setPending(true);
    try {
      const { data } = await createSignature({
        resourceType,
        resourceId,
        meaning,
        password,
        ...(needsEmail ? { email } : {}),
        ...(needsTotp ? { totp } : {}),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      });
      await queryClient.invalidateQueries({ queryKey: signatureKeys.all });
      await onSigned?.(data);
      onOpenChange(false);
    } catch (error) {
      const issue =
        error instanceof ApiError ? (error.details as { issues?: { path: string }[] })?.issues?.[0] : undefined;
      setProblem({ ...(issue ? { path: issue.path } : {}), message: errorMessage(error) });
      setPassword('');
      void queryClient.invalidateQueries({ queryKey: signatureKeys.status });
    } finally {
      setPending(false);
    }
  };
  const fieldError = (path: string) => (problem?.path === path ? problem.message : undefined);

  return (
    <Dialog open={open} onOpenChange={(next) => !pending && onOpenChange(next)}>
      <DialogContent
        title="Sign electronically"
        description={
          <>
            You are signing <strong>{what}</strong>. Your signature records your name, the date and time with your time
            zone and its meaning, and is bound to this exact content.
          </>
        }
      >
        <form onSubmit={submit} noValidate>
          <DialogBody className="space-y-4 pt-3">
            {problem && !problem.path?.startsWith('body.') ? (
              <Alert tone="danger" title="Not signed">
                {problem.message}
              </Alert>
            ) : null}
            <FormField label="Meaning" required error={fieldError('body.meaning')}>
              {(control) => (
                <Select {...control} value={meaning} onChange={(e) => setMeaning(e.target.value)}>
                  {meanings.map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </Select>
              )}
            </FormField>
            {needsEmail ? (
              <FormField
                label="E-mail"
                required
                error={fieldError('body.email')}
                hint="The first signature of a session asks for every part of your identity."
              >
                {(control) => (
                  <Input
                    {...control}
                    type="email"
                    autoComplete="username"
                    value={email}
                    onChange={(e) => setEmail(e.target.value)}
                  />
                )}
              </FormField>
            ) : null}
            <FormField label="Password" required error={fieldError('body.password')}>
              {(control) => (
                <Input
                  {...control}
                  type="password"
                  autoComplete="current-password"
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              )}
            </FormField>
            {needsTotp ? (
              <CodeField label="Authenticator code" error={fieldError('body.totp')} value={totp} onChange={setTotp} />
            ) : null}
            <FormField label="Reason" optional error={fieldError('body.reason')}>
              {(control) => (
                <Textarea {...control} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
              )}
            </FormField>
          </DialogBody>
          <DialogFooter>
            <Button variant="secondary" type="button" disabled={pending} onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" loading={pending} disabled={!meaning || !password}>
              Sign
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
