import { STUDY_PHASES } from '@cdp/contracts';
import { useFormContext } from 'react-hook-form';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { Textarea } from '../../../components/ui/textarea.tsx';

/** The editable metadata of a study, shared by the create and edit forms. */
export interface StudyFieldValues {
  name?: string;
  protocol?: string | null;
  phase?: string;
  therapeuticArea?: string | null;
  description?: string | null;
}

/** Rendered inside a `FormProvider` of a form whose values include these fields. */
export function StudyFields() {
  const {
    register,
    formState: { errors },
  } = useFormContext<StudyFieldValues>();
  return (
    <>
      <FormField label="Study name" error={errors.name?.message} required>
        {(control) => (
          <Input {...control} {...register('name')} placeholder="e.g. A Phase II Study of Zelnorin in Hypertension" />
        )}
      </FormField>
      <div className="grid gap-5 sm:grid-cols-2">
        <FormField label="Protocol number" error={errors.protocol?.message} optional>
          {(control) => <Input {...control} {...register('protocol')} placeholder="e.g. CDP-302-2026" />}
        </FormField>
        <FormField label="Phase" error={errors.phase?.message} required>
          {(control) => (
            <Select {...control} {...register('phase')}>
              <option value="">Select a phase</option>
              {Object.entries(STUDY_PHASES).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </Select>
          )}
        </FormField>
      </div>
      <FormField label="Therapeutic area" error={errors.therapeuticArea?.message} optional>
        {(control) => <Input {...control} {...register('therapeuticArea')} placeholder="e.g. Cardiovascular" />}
      </FormField>
      <FormField label="Description" error={errors.description?.message} optional>
        {(control) => (
          <Textarea
            {...control}
            {...register('description')}
            rows={3}
            placeholder="Objectives, population, anything the team should know"
          />
        )}
      </FormField>
    </>
  );
}
