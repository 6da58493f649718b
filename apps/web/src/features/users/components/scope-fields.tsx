import type { Role, Study } from '@cdp/contracts';
import { useFormContext } from 'react-hook-form';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Select } from '../../../components/ui/select.tsx';

/** Role, scope and expiry of an assignment (form values are strings; '' means none). */
export interface ScopeValues {
  roleId: string;
  studyId: string;
  expiresOn: string;
}

interface ScopeFieldsProps {
  roles: Role[];
  studies: Study[];
}

/** Rendered inside a `FormProvider` whose values include `ScopeValues`. */
export function ScopeFields({ roles, studies }: ScopeFieldsProps) {
  const {
    register,
    formState: { errors },
  } = useFormContext<ScopeValues>();
  const today = new Date().toISOString().slice(0, 10);
  return (
    <>
      <FormField label="Role" error={errors.roleId?.message} required>
        {(control) => (
          <Select {...control} {...register('roleId')}>
            <option value="">Select a role</option>
            {roles.map((role) => (
              <option key={role.id} value={role.id}>
                {role.name}
                {role.isSystem ? '' : ' (custom)'}
              </option>
            ))}
          </Select>
        )}
      </FormField>
      <div className="grid gap-5 sm:grid-cols-2">
        <FormField
          label="Scope"
          error={errors.studyId?.message}
          hint="Limit the role to one study, or grant it for every study."
        >
          {(control) => (
            <Select {...control} {...register('studyId')}>
              <option value="">Whole organization</option>
              {studies.map((study) => (
                <option key={study.id} value={study.id}>
                  Study {study.code}
                </option>
              ))}
            </Select>
          )}
        </FormField>
        <FormField
          label="Expires on"
          error={errors.expiresOn?.message}
          optional
          hint="Access ends at the end of this day."
        >
          {(control) => <Input {...control} {...register('expiresOn')} type="date" min={today} />}
        </FormField>
      </div>
    </>
  );
}
