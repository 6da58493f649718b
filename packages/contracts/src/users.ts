import { z } from 'zod';
import { Email, IdParams, IsoDateTime, listOf, Reason, Uuid, withPermissions } from './common.ts';
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
/** What a client may send (status defaults to `all`). */
export type UserListQuery = z.input<typeof UserListQuery>;

export const UserList = listOf(User);
export type UserList = z.infer<typeof UserList>;
/** `permissions`: `user:manage:own` / `user:create:own` where the caller holds them. */
export const UserResource = withPermissions(User);
export type UserResource = z.infer<typeof UserResource>;
export const RoleAssignmentList = listOf(RoleAssignment);
export type RoleAssignmentList = z.infer<typeof RoleAssignmentList>;
export const UserParams = IdParams;
export const AssignmentParams = z.strictObject({ id: Uuid, assignmentId: Uuid });
export const ReasonBody = z.strictObject({ reason: Reason });
export const OptionalReasonQuery = z.object({ reason: z.string().trim().max(1000).optional() });
