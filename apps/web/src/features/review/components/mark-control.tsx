import type { ReviewRecordStatusDto } from '@cdp/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Check, Undo2 } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Dialog, DialogBody, DialogContent, FormDialogFooter } from '../../../components/ui/dialog.tsx';
import { Textarea } from '../../../components/ui/textarea.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { markRecord, reviewKeys } from '../api/review-api.ts';

/**
 * Mark a record reviewed (or withdraw the mark), with an optional comment. The mark binds to the
 * record's content on the active data version: a later change resets it to "changed since review".
 */
export function MarkControl({
  studyId,
  record,
  label,
}: {
  studyId: string;
  record: Pick<ReviewRecordStatusDto, 'dataset' | 'key' | 'status' | 'recordKey'>;
  /** What the record is called in the button's accessible name, e.g. "AE 3". */
  label?: string;
}) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [comment, setComment] = useState('');
  const unmark = record.status === 'reviewed';
  const name = label ?? `${record.dataset} ${record.recordKey}`;
  const mutation = useMutation({
    mutationFn: () =>
      markRecord(
        studyId,
        {
          dataset: record.dataset,
          key: Object.fromEntries(Object.entries(record.key).map(([k, v]) => [k, v ?? ''])),
          ...(comment.trim() ? { comment: comment.trim() } : {}),
        },
        unmark,
      ),
    onSuccess: async () => {
      setOpen(false);
      setComment('');
      await queryClient.invalidateQueries({ queryKey: reviewKeys.all(studyId) });
      toast.success(unmark ? `Review mark withdrawn: ${name}` : `Marked reviewed: ${name}`);
    },
    onError: (error) => toast.error(errorMessage(error)),
  });
  if (record.status === 'removed') return null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <Button
        variant={unmark ? 'ghost' : 'secondary'}
        size="sm"
        onClick={() => setOpen(true)}
        aria-label={`${unmark ? 'Unmark' : 'Mark reviewed'}: ${name}`}
      >
        {unmark ? <Undo2 /> : <Check />}
        {unmark ? 'Unmark' : record.status === 'changed' ? 'Review again' : 'Mark reviewed'}
      </Button>
      <DialogContent
        title={unmark ? `Withdraw the review mark of ${name}?` : `Mark ${name} reviewed`}
        description={
          unmark
            ? 'The mark stays in the record’s history; the record reads “not reviewed”.'
            : 'The mark holds the record as it is in the active data version. If a later version changes it, it shows “changed since review” with what changed.'
        }
      >
        <form onSubmit={submit}>
          <DialogBody>
            <label className="block text-sm font-medium" htmlFor="review-comment">
              Comment <span className="font-normal text-muted-foreground">(optional)</span>
            </label>
            <Textarea
              id="review-comment"
              value={comment}
              maxLength={2000}
              onChange={(event) => setComment(event.target.value)}
              className="mt-1.5"
            />
          </DialogBody>
          <FormDialogFooter
            submitLabel={unmark ? 'Withdraw mark' : 'Mark reviewed'}
            pending={mutation.isPending}
            onCancel={() => setOpen(false)}
          />
        </form>
      </DialogContent>
    </Dialog>
  );
}
