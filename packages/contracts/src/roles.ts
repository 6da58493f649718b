import { z } from 'zod';
import { IsoDateTime, listOf, Uuid, withPermissions } from './common.ts';
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

export const RoleList = listOf(Role);
export type RoleList = z.infer<typeof RoleList>;
/** `permissions`: `organization:manage:own` when the caller may change this (custom) role. */
export const RoleResource = withPermissions(Role);
export type RoleResource = z.infer<typeof RoleResource>;
export const PermissionInfo = z.object({ code: z.string(), label: z.string(), assignable: z.boolean() });
export type PermissionInfo = z.infer<typeof PermissionInfo>;
export const PermissionCatalogue = listOf(PermissionInfo);
export type PermissionCatalogue = z.infer<typeof PermissionCatalogue>;
export const Ok = z.object({ ok: z.literal(true) });
export type Ok = z.infer<typeof Ok>;
