import { type ReactNode, useState } from 'react';
import { errorMessage } from '../../lib/api-error.ts';
import { AlertDialog, AlertDialogCancel, AlertDialogContent } from './alert-dialog.tsx';
import { Button } from './button.tsx';
import { DialogBody, DialogFooter } from './dialog.tsx';
import { FormError } from './form-error.tsx';

interface ConfirmDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  tone?: 'primary' | 'destructive';
  onConfirm: () => Promise<unknown>;
}

/** A yes/no confirmation; a failure stays in the dialog so the user can read it. */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  tone = 'primary',
  onConfirm,
}: ConfirmDialogProps) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const confirm = async () => {
    setPending(true);
    setError(undefined);
    try {
      await onConfirm();
      onOpenChange(false);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setPending(false);
    }
  };
  return (
    <AlertDialog
      open={open}
      onOpenChange={(next) => {
        if (pending) return;
        setError(undefined);
        onOpenChange(next);
      }}
    >
      <AlertDialogContent title={title} description={description}>
        {error ? (
          <DialogBody className="pt-3 pb-4">
            <FormError message={error} />
          </DialogBody>
        ) : (
          <div className="h-4" />
        )}
        <DialogFooter>
          <AlertDialogCancel asChild>
            <Button variant="secondary" disabled={pending}>
              Cancel
            </Button>
          </AlertDialogCancel>
          <Button variant={tone === 'destructive' ? 'destructive' : 'primary'} loading={pending} onClick={confirm}>
            {confirmLabel}
          </Button>
        </DialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
