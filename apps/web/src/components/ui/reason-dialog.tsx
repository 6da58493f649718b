import { Reason } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { type ReactNode, useEffect } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { applyServerErrors } from '../../lib/form-errors.ts';
import { AlertDialog, AlertDialogCancel, AlertDialogContent } from './alert-dialog.tsx';
import { Button } from './button.tsx';
import { DialogBody, DialogFooter } from './dialog.tsx';
import { FormError } from './form-error.tsx';
import { FormField } from './form-field.tsx';
import { Textarea } from './textarea.tsx';

const RequiredReason = z.object({ reason: Reason });
const OptionalReason = z.object({ reason: z.string().trim().max(1000) });
type ReasonValues = z.input<typeof RequiredReason>;

interface ReasonDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  tone?: 'primary' | 'destructive';
  /** A reason is what an auditor reads later; some actions accept one without requiring it. */
  reasonRequired?: boolean;
  reasonHint?: string;
  children?: ReactNode;
  onConfirm: (reason: string) => Promise<unknown>;
}

/** Confirms a consequential action and records why (the reason goes into the audit trail). */
export function ReasonDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  tone = 'primary',
  reasonRequired = true,
  reasonHint = 'Recorded in the audit trail with your name and the time.',
  children,
  onConfirm,
}: ReasonDialogProps) {
  const form = useForm<ReasonValues>({
    resolver: zodResolver(reasonRequired ? RequiredReason : OptionalReason),
    defaultValues: { reason: '' },
  });
  const { reset } = form;
  useEffect(() => {
    if (open) reset({ reason: '' });
  }, [open, reset]);

  const submit = form.handleSubmit(async ({ reason }) => {
    try {
      await onConfirm(reason.trim());
      onOpenChange(false);
    } catch (error) {
      applyServerErrors(form, error);
    }
  });
  const { isSubmitting, errors } = form.formState;

  return (
    <AlertDialog open={open} onOpenChange={(next) => !isSubmitting && onOpenChange(next)}>
      <AlertDialogContent title={title} description={description}>
        <form onSubmit={submit} noValidate>
          <DialogBody className="pt-3">
            {children}
            <FormField
              label="Reason"
              required={reasonRequired}
              optional={!reasonRequired}
              error={errors.reason?.message}
              hint={reasonHint}
            >
              {(control) => (
                <Textarea
                  {...control}
                  {...form.register('reason')}
                  rows={3}
                  placeholder="e.g. Database lock approved by the study team"
                  onKeyDown={(event) => {
                    // Enter submits, as in every other form; Shift+Enter adds a line.
                    if (event.key === 'Enter' && !event.shiftKey) {
                      event.preventDefault();
                      void submit();
                    }
                  }}
                />
              )}
            </FormField>
            <FormError message={errors.root?.server?.message} />
          </DialogBody>
          <DialogFooter>
            <AlertDialogCancel asChild>
              <Button variant="secondary" disabled={isSubmitting}>
                Cancel
              </Button>
            </AlertDialogCancel>
            <Button type="submit" variant={tone === 'destructive' ? 'destructive' : 'primary'} loading={isSubmitting}>
              {confirmLabel}
            </Button>
          </DialogFooter>
        </form>
      </AlertDialogContent>
    </AlertDialog>
  );
}
