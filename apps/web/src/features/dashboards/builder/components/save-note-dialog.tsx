import { type FormEvent, useState } from 'react';
import { Dialog, DialogBody, DialogContent, FormDialogFooter } from '../../../../components/ui/dialog.tsx';
import { FormField } from '../../../../components/ui/form-field.tsx';
import { Textarea } from '../../../../components/ui/textarea.tsx';

interface SaveNoteDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onSave: (comment: string) => void;
}

const MAX = 500;

/** Saves with a short note on what changed; the version history shows it beside the version. */
export function SaveNoteDialog({ open, onOpenChange, onSave }: SaveNoteDialogProps) {
  const [comment, setComment] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSave(comment.trim());
    setComment('');
    onOpenChange(false);
  };
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title="Save with a note" description="Say what changed, for whoever reads the version history.">
        <form onSubmit={submit} noValidate>
          <DialogBody>
            <FormField label="Note" optional hint={`${comment.length} / ${MAX}`}>
              {(control) => (
                <Textarea
                  {...control}
                  autoFocus
                  maxLength={MAX}
                  placeholder="e.g. Added the lab shift table to the Safety page"
                  value={comment}
                  onChange={(event) => setComment(event.target.value)}
                  onKeyDown={(event) => {
                    if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) submit(event);
                  }}
                />
              )}
            </FormField>
          </DialogBody>
          <FormDialogFooter submitLabel="Save" pending={false} onCancel={() => onOpenChange(false)} />
        </form>
      </DialogContent>
    </Dialog>
  );
}
