import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardBody, CardHeader } from '../../../components/ui/card.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Switch } from '../../../components/ui/switch.tsx';
import { Textarea } from '../../../components/ui/textarea.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { complianceQuery, signatureKeys, updateCompliance } from '../api/signatures-api.ts';

/** Settings → Compliance: the signature meanings, a signature to activate data, MFA for everyone. */
export function ComplianceCard() {
  const query = useQuery(complianceQuery);
  const queryClient = useQueryClient();
  const [meanings, setMeanings] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const data = query.data?.data;
  useEffect(() => {
    if (data) setMeanings(data.signatureMeanings.join('\n'));
  }, [data]);

  const save = async (patch: Parameters<typeof updateCompliance>[0]) => {
    setProblem(null);
    try {
      const next = await updateCompliance(patch);
      queryClient.setQueryData(signatureKeys.compliance, next);
      void queryClient.invalidateQueries({ queryKey: signatureKeys.status });
      toast.success('Compliance settings saved');
    } catch (error) {
      setProblem(errorMessage(error));
    }
  };
  const saveMeanings = (event: FormEvent) => {
    event.preventDefault();
    void save({
      signatureMeanings: meanings
        .split('\n')
        .map((m) => m.trim())
        .filter(Boolean),
    });
  };

  return (
    <Card id="compliance">
      <CardHeader
        title="Compliance"
        description="21 CFR Part 11: what a signature can mean, when one is required, and two-factor sign-in."
      />
      <CardBody className="space-y-5">
        {problem ? (
          <Alert tone="danger" title="Not saved">
            {problem}
          </Alert>
        ) : null}
        {data ? (
          <>
            <div className="flex items-start justify-between gap-4 text-[13px]">
              <span>
                <span className="font-medium">Require a signature to activate or roll back a data version</span>
                <span className="block text-muted-foreground">The person activating signs the version first.</span>
              </span>
              <Switch
                checked={data.requireSignatureForActivation}
                onCheckedChange={(checked) => void save({ requireSignatureForActivation: checked })}
                aria-label="Require a signature to activate or roll back a data version"
              />
            </div>
            <div className="flex items-start justify-between gap-4 text-[13px]">
              <span>
                <span className="font-medium">Require two-factor sign-in for everyone</span>
                <span className="block text-muted-foreground">
                  People without an authenticator app set one up at their next sign-in.
                </span>
              </span>
              <Switch
                checked={data.requireMfa}
                onCheckedChange={(checked) => void save({ requireMfa: checked })}
                aria-label="Require two-factor sign-in for everyone"
              />
            </div>
            <form onSubmit={saveMeanings} noValidate className="space-y-3">
              <FormField label="Signature meanings" hint="One per line. A signer chooses one of these.">
                {(control) => (
                  <Textarea {...control} rows={5} value={meanings} onChange={(e) => setMeanings(e.target.value)} />
                )}
              </FormField>
              <Button type="submit" variant="secondary">
                Save meanings
              </Button>
            </form>
          </>
        ) : null}
      </CardBody>
    </Card>
  );
}
