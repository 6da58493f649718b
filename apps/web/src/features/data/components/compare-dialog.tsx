import type { DataVersion } from '@cdp/contracts';
import { useNavigate } from '@tanstack/react-router';
import { ArrowRight } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Dialog, DialogBody, DialogContent, FormDialogFooter } from '../../../components/ui/dialog.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Select } from '../../../components/ui/select.tsx';

interface CompareDialogProps {
  studyId: string;
  versions: DataVersion[];
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

function VersionOptions({ versions }: { versions: DataVersion[] }) {
  return versions.map((v) => (
    <option key={v.id} value={v.id}>
      {v.label}
      {v.active ? ' (active)' : ''}
    </option>
  ));
}

/** Picks two versions (older first by default) and opens their comparison. */
export function CompareDialog({ studyId, versions, open, onOpenChange }: CompareDialogProps) {
  const navigate = useNavigate();
  const [from, setFrom] = useState(versions[1]?.id ?? '');
  const [to, setTo] = useState(versions[0]?.id ?? '');
  const same = from === to;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (same) return;
    void navigate({ to: '/studies/$studyId/data/compare', params: { studyId }, search: { from, to } });
  };
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent
        title="Compare versions"
        description="See which datasets, columns and rows changed between two versions."
      >
        <form onSubmit={submit} noValidate>
          <DialogBody>
            <FormField label="From (older)">
              {(control) => (
                <Select {...control} value={from} onChange={(event) => setFrom(event.target.value)}>
                  <VersionOptions versions={versions} />
                </Select>
              )}
            </FormField>
            <div className="-my-2 flex justify-center text-muted-foreground" aria-hidden>
              <ArrowRight className="size-4 rotate-90" />
            </div>
            <FormField label="To (newer)" error={same ? 'Choose two different versions.' : undefined}>
              {(control) => (
                <Select {...control} value={to} onChange={(event) => setTo(event.target.value)}>
                  <VersionOptions versions={versions} />
                </Select>
              )}
            </FormField>
          </DialogBody>
          <FormDialogFooter submitLabel="Compare" pending={false} onCancel={() => onOpenChange(false)} />
        </form>
      </DialogContent>
    </Dialog>
  );
}
