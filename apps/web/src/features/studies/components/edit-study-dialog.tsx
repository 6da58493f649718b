import { type Study, type UpdateStudyData, UpdateStudyRequest } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { FormProvider, useForm } from 'react-hook-form';
import type { z } from 'zod';
import { Dialog, DialogBody, DialogContent, FormDialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { studyKeys, updateStudy } from '../api/studies-api.ts';
import { StudyFields } from './study-fields.tsx';

type Values = z.input<typeof UpdateStudyRequest>;

function valuesOf(study: Study): Values {
  return {
    name: study.name,
    protocol: study.protocol ?? '',
    phase: study.phase,
    therapeuticArea: study.therapeuticArea ?? '',
    description: study.description ?? '',
    plannedEnrollment: study.plannedEnrollment,
    plannedEnrollmentStart: study.plannedEnrollmentStart,
    plannedEnrollmentEnd: study.plannedEnrollmentEnd,
  };
}

interface EditStudyDialogProps {
  study: Study;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

export function EditStudyDialog({ study, open, onOpenChange }: EditStudyDialogProps) {
  const queryClient = useQueryClient();
  const form = useForm<Values, unknown, UpdateStudyData>({
    resolver: zodResolver(UpdateStudyRequest),
    defaultValues: valuesOf(study),
  });
  const { reset } = form;
  useEffect(() => {
    if (open) reset(valuesOf(study));
  }, [open, reset, study]);

  const mutation = useMutation({
    mutationFn: (values: UpdateStudyData) => updateStudy(study.id, values),
    onSuccess: async (result) => {
      queryClient.setQueryData(studyKeys.detail(study.id), result);
      await queryClient.invalidateQueries({ queryKey: studyKeys.all });
      await queryClient.invalidateQueries({ queryKey: ['audit'] });
      toast.success(`Study ${study.code} updated`);
      onOpenChange(false);
    },
    onError: (error) => applyServerErrors(form, error),
  });
  const { errors } = form.formState;

  return (
    <Dialog open={open} onOpenChange={(next) => !mutation.isPending && onOpenChange(next)}>
      <DialogContent
        title={`Edit ${study.code}`}
        description="Changes are recorded in the audit trail with the old and new values."
        size="lg"
      >
        <form onSubmit={form.handleSubmit((values) => mutation.mutate(values))} noValidate className="contents">
          <DialogBody>
            <FormProvider {...form}>
              <StudyFields />
            </FormProvider>
            <FormError message={errors.root?.server?.message} />
          </DialogBody>
          <FormDialogFooter
            submitLabel="Save changes"
            pending={mutation.isPending}
            onCancel={() => onOpenChange(false)}
          />
        </form>
      </DialogContent>
    </Dialog>
  );
}
