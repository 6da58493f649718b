import type { CreateRoleAssignmentRequest } from '@cdp/contracts';
import { z } from 'zod';
import { localDayToIso } from '../../../lib/format.ts';

/** Form fields for a role assignment; turned into the API's request by `toAssignment`. */
export const ScopeSchema = z.object({
  roleId: z.string().min(1, 'Choose a role.'),
  studyId: z.string(),
  expiresOn: z.string().refine((day) => day === '' || (localDayToIso(day, 'end') ?? '') > new Date().toISOString(), {
    message: 'Choose a date in the future, or leave it empty for no expiry.',
  }),
});

export function toAssignment(values: z.output<typeof ScopeSchema>): CreateRoleAssignmentRequest {
  return {
    roleId: values.roleId,
    studyId: values.studyId || null,
    expiresAt: values.expiresOn ? (localDayToIso(values.expiresOn, 'end') ?? null) : null,
  };
}
