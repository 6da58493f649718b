import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';
import { Dialog, DialogBody, DialogContent, DialogFooter } from '../../../components/ui/dialog.tsx';

/** The signing secret, shown this once after adding an endpoint or rotating its secret. */
export function SecretDialog({
  shown,
  onClose,
}: {
  shown: { url: string; secret: string; overlapUntil?: string | null } | null;
  onClose: () => void;
}) {
  return (
    <Dialog open={shown !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent title="Signing secret" description={shown?.url} size="lg">
        <DialogBody>
          <Alert tone="warning" title="Copy it now: it is not shown again">
            Your receiver needs it to check the <code className="font-mono">webhook-signature</code> header (Standard
            Webhooks: HMAC-SHA256 over <code className="font-mono">id.timestamp.body</code>).
            {shown?.overlapUntil
              ? ` The previous secret also signs until ${new Date(shown.overlapUntil).toLocaleString()}.`
              : ''}
          </Alert>
          <div className="flex items-center gap-2">
            <code className="min-w-0 flex-1 break-all rounded-md border border-border bg-muted px-3 py-2 font-mono text-[13px]">
              {shown?.secret}
            </code>
            {shown ? <CopyButton value={shown.secret} label="Copy secret" /> : null}
          </div>
        </DialogBody>
        <DialogFooter>
          <Button onClick={onClose}>Done</Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
