import { z } from 'zod';
import { Email, IsoDateTime, listOf, Reason, Uuid, withPermissions } from './common.ts';
import { EffectiveFeatures, Features } from './features.ts';
import { PasswordField } from './password-policy.ts';

const Quota = z.number().int().min(0).max(1_000_000).nullable();
export const Quotas = z.strictObject({
  /** null means unlimited */
  maxStudies: Quota,
  maxUsers: Quota,
});
export type Quotas = z.infer<typeof Quotas>;

export const OrgCode = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]{1,30}$/, 'Use 2–31 lowercase letters, digits or dashes.');

export const Organization = z.object({
  id: Uuid,
  code: z.string(),
  name: z.string(),
  kind: z.enum(['tenant', 'platform']),
  status: z.enum(['active', 'deactivated']),
  features: EffectiveFeatures,
  quotas: Quotas,
  usage: z.object({ studies: z.number().int(), users: z.number().int() }),
  deactivatedReason: z.string().nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Organization = z.infer<typeof Organization>;

export const FirstAdmin = z.strictObject({
  email: Email,
  name: z.string().trim().min(1).max(200),
  temporaryPassword: PasswordField,
});

export const CreateOrganizationRequest = z.strictObject({
  code: OrgCode,
  name: z.string().trim().min(2).max(200),
  features: Features.optional(),
  quotas: Quotas.partial().optional(),
  /** The organization's first administrator, who must change this password at first login. */
  admin: FirstAdmin.optional(),
});
export type CreateOrganizationRequest = z.infer<typeof CreateOrganizationRequest>;

export const UpdateOrganizationRequest = z.strictObject({
  name: z.string().trim().min(2).max(200).optional(),
  features: Features.optional(),
  quotas: Quotas.partial().optional(),
});
export type UpdateOrganizationRequest = z.infer<typeof UpdateOrganizationRequest>;

export const OrganizationStatusRequest = z.strictObject({ reason: Reason });

/** What an organization admin may change about their own organization. */
export const UpdateOwnOrganizationRequest = z.strictObject({
  name: z.string().trim().min(2).max(200),
});

export const OrganizationList = listOf(Organization);
export type OrganizationList = z.infer<typeof OrganizationList>;
/** `permissions`: your own organization `organization:manage:own`; the platform console `tenant:*`. */
export const OrganizationResource = withPermissions(Organization);
export type OrganizationResource = z.infer<typeof OrganizationResource>;
