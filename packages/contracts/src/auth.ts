import { z } from 'zod';
import { Email, Uuid } from './common.ts';
import { EffectiveFeatures } from './features.ts';
import { PasswordField } from './password-policy.ts';

export const LoginRequest = z.strictObject({
  email: Email,
  password: z.string().min(1, 'Enter your password.').max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const SessionUser = z.object({
  id: Uuid,
  email: z.string(),
  name: z.string(),
  orgId: Uuid,
  mustChangePassword: z.boolean(),
});
export type SessionUser = z.infer<typeof SessionUser>;

export const LoginResponse = z.object({
  accessToken: z.string(),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int(),
  user: SessionUser,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

export const ChangePasswordRequest = z.strictObject({
  currentPassword: z.string().min(1, 'Enter your current password.').max(1024),
  newPassword: PasswordField,
});
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

export const OrganizationSummary = z.object({
  id: Uuid,
  code: z.string(),
  name: z.string(),
  kind: z.enum(['tenant', 'platform']),
  /** The organization's available feature flags, so the web app hides what is switched off. */
  features: EffectiveFeatures,
});

export const GrantDto = z.object({
  roleKey: z.string(),
  roleName: z.string(),
  studyId: Uuid.nullable(),
  expiresAt: z.string().nullable(),
  permissions: z.array(z.string()),
});
export type GrantDto = z.infer<typeof GrantDto>;

export const MeResponse = z.object({
  user: SessionUser,
  organization: OrganizationSummary,
  grants: z.array(GrantDto),
  /** Idle timeout of the session, so the web app can warn before it ends. */
  sessionIdleMinutes: z.number().int(),
});
export type MeResponse = z.infer<typeof MeResponse>;
