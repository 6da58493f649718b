import { z } from 'zod';
import { IsoDateTime, Uuid } from './common.ts';
import { TENANT_PERMISSIONS } from './permissions.ts';

export const Role = z.object({
  id: Uuid,
  key: z.string(),
  name: z.string(),
  description: z.string(),
  isSystem: z.boolean(),
  permissions: z.array(z.string()),
  assignments: z.number().int(),
});
export type Role = z.infer<typeof Role>;

const TenantPermission = z.enum(TENANT_PERMISSIONS as [string, ...string[]], {
  error: (issue) => `Unknown or non-assignable permission ${JSON.stringify(issue.input)}.`,
});

export const RoleKey = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_]{1,40}$/, 'Use 2–41 lowercase letters, digits or underscores, starting with a letter.');

export const CreateRoleRequest = z.strictObject({
  key: RoleKey,
  name: z.string().trim().min(2).max(100),
  description: z.string().trim().max(500).default(''),
  permissions: z.array(TenantPermission).min(1, 'Choose at least one permission.'),
});
export type CreateRoleRequest = z.infer<typeof CreateRoleRequest>;

export const UpdateRoleRequest = z.strictObject({
  name: z.string().trim().min(2).max(100).optional(),
  description: z.string().trim().max(500).optional(),
  permissions: z.array(TenantPermission).min(1, 'Choose at least one permission.').optional(),
});
export type UpdateRoleRequest = z.infer<typeof UpdateRoleRequest>;

export const RoleAssignment = z.object({
  id: Uuid,
  roleId: Uuid,
  roleKey: z.string(),
  roleName: z.string(),
  studyId: Uuid.nullable(),
  studyCode: z.string().nullable(),
  expiresAt: IsoDateTime.nullable(),
  expired: z.boolean(),
  createdAt: IsoDateTime,
});
export type RoleAssignment = z.infer<typeof RoleAssignment>;

export const CreateRoleAssignmentRequest = z.strictObject({
  roleId: Uuid,
  /** null: the role holds for every study of the organization */
  studyId: Uuid.nullable().default(null),
  expiresAt: IsoDateTime.nullable().default(null),
});
export type CreateRoleAssignmentRequest = z.infer<typeof CreateRoleAssignmentRequest>;
