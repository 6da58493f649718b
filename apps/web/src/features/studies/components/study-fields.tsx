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
  plannedEnrollment?: number | null;
  plannedEnrollmentStart?: string | null;
  plannedEnrollmentEnd?: string | null;
}

/** An empty box is "not set" (null); anything else is read as a number, which the schema checks. */
const numberOrNull = (value: unknown) => (value === '' || value == null ? null : Number(value));
const textOrNull = (value: unknown) => (value === '' || value == null ? null : String(value));

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
      <fieldset className="space-y-3">
        <legend className="text-[13px] font-medium">Enrollment plan</legend>
        <p className="text-[12px] text-muted-foreground">
          The Enrollment Trend draws the plan as a straight line from the start to the target on the end date. Leave it
          empty and dashboards show actual enrollment only.
        </p>
        <div className="grid gap-5 sm:grid-cols-3">
          <FormField label="Planned subjects" error={errors.plannedEnrollment?.message} optional>
            {(control) => (
              <Input
                {...control}
                {...register('plannedEnrollment', { setValueAs: numberOrNull })}
                type="number"
                inputMode="numeric"
                min={1}
                step={1}
                placeholder="e.g. 300"
              />
            )}
          </FormField>
          <FormField label="Enrollment start" error={errors.plannedEnrollmentStart?.message} optional>
            {(control) => (
              <Input {...control} {...register('plannedEnrollmentStart', { setValueAs: textOrNull })} type="date" />
            )}
          </FormField>
          <FormField label="Enrollment end" error={errors.plannedEnrollmentEnd?.message} optional>
            {(control) => (
              <Input {...control} {...register('plannedEnrollmentEnd', { setValueAs: textOrNull })} type="date" />
            )}
          </FormField>
        </div>
      </fieldset>
    </>
  );
}
