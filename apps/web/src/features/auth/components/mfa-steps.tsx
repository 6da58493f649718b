import type { LoginResponse } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { CodeField } from '../../../components/ui/code-field.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { confirmLoginEnrolment, loginWithCode, type MfaEnrolmentData, startLoginEnrolment } from '../api/mfa-api.ts';
import { RecoveryCodes } from './recovery-codes.tsx';

/** A code field and its submit button, for the sign-in second step and enrolment. */
function CodeForm({
  label,
  hint,
  submitLabel,
  onSubmit,
}: {
  label: string;
  hint: string;
  submitLabel: string;
  onSubmit: (code: string) => Promise<void>;
}) {
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setPending(true);
    try {
      await onSubmit(code.trim());
    } catch (error) {
      setProblem(errorMessage(error));
      setCode('');
    } finally {
      setPending(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate className="space-y-5">
      {problem ? (
        <Alert tone="danger" title="Not signed in">
          {problem}
        </Alert>
      ) : null}
      <CodeField
        label={label}
        hint={hint}
        value={code}
        onChange={setCode}
        acceptsRecoveryCode
        autoFocus
        placeholder="123456"
      />
      <Button type="submit" size="lg" className="w-full" loading={pending} disabled={!code.trim()}>
        {submitLabel}
      </Button>
    </form>
  );
}

/** Sign-in, second step: the code from the authenticator app, or a recovery code. */
export function MfaCodeStep({
  challenge,
  onSignedIn,
}: {
  challenge: string;
  onSignedIn: (response: LoginResponse) => Promise<void>;
}) {
  return (
    <CodeForm
      label="Authenticator code"
      hint="The 6-digit code from your authenticator app, or one of your recovery codes."
      submitLabel="Verify and sign in"
      onSubmit={async (code) => onSignedIn(await loginWithCode(challenge, code))}
    />
  );
}

/** The QR code and the secret as text, for an authenticator app. */
export function EnrolmentSecret({ enrolment }: { enrolment: MfaEnrolmentData }) {
  return (
    <div className="flex flex-col items-center gap-3 sm:flex-row sm:items-start">
      <img
        src={enrolment.qrDataUrl}
        alt="QR code to scan with your authenticator app"
        className="size-40 rounded-md border border-border bg-white p-1"
      />
      <div className="min-w-0 space-y-1 text-[13px]">
        <p>Scan the QR code with an authenticator app, or type this key:</p>
        <code className="block break-all rounded bg-surface-muted px-2 py-1 font-mono" data-testid="totp-secret">
          {enrolment.secret}
        </code>
      </div>
    </div>
  );
}

/** Sign-in when the organization requires a second factor not set up yet: enrol now, then continue. */
export function MfaEnrolStep({
  challenge,
  onSignedIn,
}: {
  challenge: string;
  onSignedIn: (response: LoginResponse) => Promise<void>;
}) {
  const enrolment = useQuery({
    queryKey: ['mfa-enrolment', challenge],
    queryFn: () => startLoginEnrolment(challenge),
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  const [done, setDone] = useState<(LoginResponse & { recoveryCodes: string[] }) | null>(null);
  if (done) {
    return (
      <div className="space-y-5">
        <RecoveryCodes codes={done.recoveryCodes} />
        <Button size="lg" className="w-full" onClick={() => void onSignedIn(done)}>
          I have saved them: continue
        </Button>
      </div>
    );
  }
  if (enrolment.isError) {
    return (
      <Alert tone="danger" title="Could not start">
        {errorMessage(enrolment.error)}
      </Alert>
    );
  }
  return (
    <div className="space-y-5">
      <p className="text-[13px] text-muted-foreground">
        Your organization requires two-factor sign-in. Set up an authenticator app to continue.
      </p>
      {enrolment.data ? <EnrolmentSecret enrolment={enrolment.data.data} /> : <Skeleton className="h-40" />}
      <CodeForm
        label="Code from the app"
        hint="Enter the 6-digit code the app shows, to confirm it is set up."
        submitLabel="Confirm and sign in"
        onSubmit={async (code) => setDone(await confirmLoginEnrolment(challenge, code))}
      />
    </div>
  );
}
