import { z } from 'zod';
import { Email, IsoDateTime, listOf, Reason, Uuid, withPermissions } from './common.ts';
import { PasswordField } from './password-policy.ts';

/** Feature flags a platform admin can switch per organization. Defaults are all on. */
export const FEATURE_FLAGS = {
  data_uploads: 'Data uploads (ZIP, SAS, CSV, Excel)',
  rave_connector: 'Medidata Rave connector',
  sftp_connector: 'sFTP and watched folders',
  pipelines: 'Transformation pipelines',
  python_scripts: 'Sandboxed Python scripts',
  dashboards: 'Dashboards',
  exports: 'PDF, PowerPoint and Excel exports',
  scheduled_reports: 'Scheduled e-mailed reports',
  public_api: 'Public API and API keys',
  electronic_signatures: 'Electronic signatures (21 CFR Part 11)',
} as const;
export type FeatureFlag = keyof typeof FEATURE_FLAGS;
export const FEATURE_FLAG_KEYS = Object.keys(FEATURE_FLAGS) as FeatureFlag[];

export const Features = z.partialRecord(z.enum(FEATURE_FLAG_KEYS as [FeatureFlag, ...FeatureFlag[]]), z.boolean());

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
  features: z.record(z.string(), z.boolean()),
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
