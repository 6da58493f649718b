import { type CreateStudyData, CreateStudyRequest } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useEffect } from 'react';
import { FormProvider, useForm } from 'react-hook-form';
import type { z } from 'zod';
import { Dialog, DialogBody, DialogContent, FormDialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { createStudy, studyKeys } from '../api/studies-api.ts';
import { StudyFields } from './study-fields.tsx';

type Values = z.input<typeof CreateStudyRequest>;

// No phase: the select then shows its "Select a phase" placeholder and the schema asks for a choice.
const EMPTY = { code: '', name: '', protocol: '', therapeuticArea: '', description: '' };

export function CreateStudyDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const form = useForm<Values, unknown, CreateStudyData>({
    resolver: zodResolver(CreateStudyRequest),
    defaultValues: EMPTY,
  });
  const { reset } = form;
  useEffect(() => {
    if (open) reset(EMPTY);
  }, [open, reset]);

  const mutation = useMutation({
    mutationFn: createStudy,
    onSuccess: async ({ data }) => {
      await queryClient.invalidateQueries({ queryKey: studyKeys.all });
      toast.success(`Study ${data.code} created`, { description: 'It starts as a draft; activate it when it runs.' });
      onOpenChange(false);
      await navigate({ to: '/studies/$studyId', params: { studyId: data.id } });
    },
    onError: (error) => applyServerErrors(form, error),
  });
  const { errors } = form.formState;

  return (
    <Dialog open={open} onOpenChange={(next) => !mutation.isPending && onOpenChange(next)}>
      <DialogContent title="New study" description="Studies start as drafts. The code cannot change later." size="lg">
        <form onSubmit={form.handleSubmit((values) => mutation.mutate(values))} noValidate className="contents">
          <DialogBody>
            <FormField
              label="Study code"
              error={errors.code?.message}
              required
              hint="2–40 letters, digits, dashes or underscores, e.g. CDISCPILOT01. Unique in your organization."
            >
              {(control) => (
                <Input
                  {...control}
                  {...form.register('code')}
                  autoFocus
                  autoComplete="off"
                  spellCheck={false}
                  className="font-mono uppercase placeholder:normal-case"
                  placeholder="e.g. CDP-302"
                />
              )}
            </FormField>
            <FormProvider {...form}>
              <StudyFields />
            </FormProvider>
            <FormError message={errors.root?.server?.message} />
          </DialogBody>
          <FormDialogFooter
            submitLabel="Create study"
            pending={mutation.isPending}
            onCancel={() => onOpenChange(false)}
          />
        </form>
      </DialogContent>
    </Dialog>
  );
}
