import { z } from 'zod';
import { Email, IsoDateTime, Reason, Uuid } from './common.ts';
import { PasswordField } from './password-policy.ts';
import { CreateRoleAssignmentRequest, RoleAssignment } from './roles.ts';

export const User = z.object({
  id: Uuid,
  email: z.string(),
  name: z.string(),
  status: z.enum(['active', 'deactivated']),
  mustChangePassword: z.boolean(),
  lockedUntil: IsoDateTime.nullable(),
  lastLoginAt: IsoDateTime.nullable(),
  deactivatedReason: z.string().nullable(),
  createdAt: IsoDateTime,
  roles: z.array(RoleAssignment),
});
export type User = z.infer<typeof User>;

export const CreateUserRequest = z.strictObject({
  email: Email,
  name: z.string().trim().min(1, 'Enter the person’s name.').max(200),
  /** Handed to the person out of band; they must replace it at first login. */
  temporaryPassword: PasswordField,
  roles: z.array(CreateRoleAssignmentRequest).max(50).default([]),
});
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

export const UpdateUserRequest = z.strictObject({
  name: z.string().trim().min(1).max(200),
});

export const DeactivateUserRequest = z.strictObject({ reason: Reason });

export const ResetPasswordRequest = z.strictObject({ temporaryPassword: PasswordField });

export const UserListQuery = z.object({
  status: z.enum(['active', 'deactivated', 'all']).default('all'),
  q: z.string().trim().max(200).optional(),
});
