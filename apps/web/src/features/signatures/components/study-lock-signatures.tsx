import type { Study } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { PenLine } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardBody, CardHeader } from '../../../components/ui/card.tsx';
import { useFeature } from '../../auth/hooks/use-me.ts';
import { signaturesQuery } from '../api/signatures-api.ts';
import { SignatureBadges } from './signature-badges.tsx';
import { SignatureDialog } from './signature-dialog.tsx';

/**
 * A locked study's signatures (e.g. at database lock): who signed the lock and with which meaning,
 * each verified (unlocking changes the signed content, so it then shows "record changed"), and
 * "Sign the lock" while the study is locked. Shown while locked, and afterwards if it was signed.
 */
export function StudyLockSignatures({ study }: { study: Pick<Study, 'id' | 'code' | 'status'> }) {
  const enabled = useFeature('electronic_signatures');
  const resource = `study:${study.id}`;
  const signed = useQuery({ ...signaturesQuery(resource), enabled });
  const [signing, setSigning] = useState(false);
  const locked = study.status === 'locked';
  const count = signed.data?.data.length ?? 0;
  if (!enabled || (!locked && count === 0)) return null;
  return (
    <Card>
      <CardHeader
        title="Lock signatures"
        description={
          locked
            ? 'Sign the locked study electronically, e.g. to approve the database lock.'
            : 'Signatures of an earlier lock. The study was unlocked since, so they no longer match it.'
        }
      />
      <CardBody className="space-y-3">
        {count === 0 ? <p className="text-[13px] text-muted-foreground">The lock has not been signed.</p> : null}
        <SignatureBadges resource={resource} />
        {locked ? (
          <Button variant="secondary" onClick={() => setSigning(true)}>
            <PenLine />
            Sign the lock
          </Button>
        ) : null}
      </CardBody>
      {signing ? (
        <SignatureDialog
          open
          onOpenChange={(open) => !open && setSigning(false)}
          resourceType="study"
          resourceId={study.id}
          what={`the lock of study ${study.code}`}
          defaultMeaning="Approval"
        />
      ) : null}
    </Card>
  );
}
