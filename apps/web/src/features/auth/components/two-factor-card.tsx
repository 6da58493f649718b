import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardBody, CardHeader } from '../../../components/ui/card.tsx';
import { CodeField } from '../../../components/ui/code-field.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { confirmEnrolment, disableMfa, type MfaEnrolmentData, mfaStatusQuery, startEnrolment } from '../api/mfa-api.ts';
import { EnrolmentSecret } from './mfa-steps.tsx';
import { RecoveryCodes } from './recovery-codes.tsx';

/** Account → Security: turn the authenticator on (QR code, confirming code, recovery codes) or off. */
export function TwoFactorCard() {
  const status = useQuery(mfaStatusQuery);
  const queryClient = useQueryClient();
  const [enrolment, setEnrolment] = useState<MfaEnrolmentData | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: mfaStatusQuery.queryKey });

  const start = useMutation({
    mutationFn: startEnrolment,
    onSuccess: ({ data }) => {
      setEnrolment(data);
      setProblem(null);
    },
    onError: (error) => setProblem(errorMessage(error)),
  });
  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      const { data } = await confirmEnrolment(code.trim());
      setCodes(data.recoveryCodes);
      setEnrolment(null);
      setCode('');
      await refresh();
      toast.success('Two-factor sign-in is on');
    } catch (error) {
      setProblem(errorMessage(error));
    }
  };
  const turnOff = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      await disableMfa(password, code.trim());
      setPassword('');
      setCode('');
      await refresh();
      toast.success('Two-factor sign-in is off');
    } catch (error) {
      setProblem(errorMessage(error));
    }
  };

  const data = status.data?.data;
  return (
    <Card id="security">
      <CardHeader
        title="Two-factor sign-in"
        description="A code from an authenticator app (TOTP) after your password, at sign-in and at your first signature of a session."
      />
      <CardBody className="space-y-4">
        {problem ? (
          <Alert tone="danger" title="That did not work">
            {problem}
          </Alert>
        ) : null}
        {data ? (
          <p className="flex flex-wrap items-center gap-2 text-[13px]">
            Status: {data.enabled ? <Badge tone="success">On</Badge> : <Badge tone="neutral">Off</Badge>}
            {data.enabled ? (
              <span className="text-muted-foreground">{data.recoveryCodesLeft} recovery codes left</span>
            ) : null}
            {data.required ? <Badge tone="info">Required by your organization</Badge> : null}
          </p>
        ) : null}
        {codes ? <RecoveryCodes codes={codes} /> : null}
        {data && !data.enabled && !enrolment ? (
          <Button onClick={() => start.mutate()} loading={start.isPending}>
            Set up an authenticator app
          </Button>
        ) : null}
        {enrolment ? (
          <form onSubmit={confirm} noValidate className="space-y-4">
            <EnrolmentSecret enrolment={enrolment} />
            <CodeField
              label="Code from the app"
              hint="Enter the 6-digit code the app shows now."
              value={code}
              onChange={setCode}
            />
            <Button type="submit" disabled={!code.trim()}>
              Confirm
            </Button>
          </form>
        ) : null}
        {data?.enabled && !data.required && !codes ? (
          <form onSubmit={turnOff} noValidate className="space-y-4 border-t border-border pt-4">
            <p className="text-[13px] text-muted-foreground">
              To turn it off, confirm with your password and a current code.
            </p>
            <div className="grid gap-3 sm:grid-cols-2">
              <FormField label="Password" required>
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
              <CodeField label="Code" value={code} onChange={setCode} />
            </div>
            <Button type="submit" variant="secondary" disabled={!password || !code.trim()}>
              Turn off
            </Button>
          </form>
        ) : null}
      </CardBody>
    </Card>
  );
}
