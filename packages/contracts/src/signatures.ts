import { z } from 'zod';
import { SessionUser } from './auth.ts';
import { Email, IsoDateTime, Uuid } from './common.ts';

/** What can be signed electronically (21 CFR Part 11). */
export const SIGNABLE_RESOURCE_TYPES = [
  'data_version',
  'study',
  'dashboard_version',
  'pipeline_version',
  'export',
] as const;
export type SignableResourceType = (typeof SIGNABLE_RESOURCE_TYPES)[number];

export const DEFAULT_SIGNATURE_MEANINGS = ['Authorship', 'Review', 'Approval', 'Responsibility'] as const;

/** A time zone the server knows (IANA name), e.g. "Europe/Paris". */
export const TimeZoneName = z
  .string()
  .max(64)
  .refine((name) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: name });
      return true;
    } catch {
      return false;
    }
  }, 'Unknown time zone: use an IANA name such as "Europe/Paris".');

const TotpCode = z
  .string()
  .trim()
  .regex(/^(\d{6}|[A-Za-z0-9]{5}-?[A-Za-z0-9]{5})$/, 'Enter the 6-digit code from your app, or a recovery code.');

/**
 * Signing. `resourceId` is the record's id; a dashboard or pipeline version is
 * `<dashboardId>:<version>`. The first signing of a session needs `email` (and `totp` when the
 * signer has a second factor); later signings of the same session need the password only.
 */
export const CreateSignatureRequest = z.strictObject({
  resourceType: z.enum(SIGNABLE_RESOURCE_TYPES),
  resourceId: z.string().trim().min(1).max(120),
  meaning: z.string().trim().min(1, 'Choose a meaning.').max(100),
  email: Email.optional(),
  password: z.string().min(1, 'Enter your password.').max(1024),
  totp: TotpCode.optional(),
  reason: z.string().trim().max(1000).optional(),
  /** Where the signer is, so the manifestation shows the time as they saw it; UTC when absent. */
  timeZone: TimeZoneName.optional(),
});
export type CreateSignatureRequest = z.infer<typeof CreateSignatureRequest>;

export const SignatureDto = z.object({
  id: Uuid,
  resourceType: z.enum(SIGNABLE_RESOURCE_TYPES),
  resourceId: z.string(),
  resourceLabel: z.string(),
  studyId: Uuid.nullable(),
  userId: Uuid,
  /** The manifestation (11.50): printed name, e-mail, meaning, time with its zone. */
  signerName: z.string(),
  signerEmail: z.string(),
  meaning: z.string(),
  reason: z.string().nullable(),
  signedAt: IsoDateTime,
  timeZone: z.string(),
  /** `signedAt` in the signer's time zone, e.g. "2026-12-06 16:20:05 CET (Europe/Paris)". */
  signedAtLocal: z.string(),
  contentSha256: z.string(),
  authentication: z.enum(['full', 'password']),
});
export type SignatureDto = z.infer<typeof SignatureDto>;

export const SignatureResponse = z.object({ data: SignatureDto });
export const SignatureList = z.object({ data: z.array(SignatureDto) });

export const SignatureListQuery = z.strictObject({
  /** `<resourceType>:<resourceId>`, e.g. `dashboard_version:<dashboardId>:3`; absent: the latest 200 you may see. */
  resource: z.string().trim().min(3).max(200).optional(),
});

export const SignatureVerification = z.object({
  data: z.object({
    signatureId: Uuid,
    status: z.enum(['valid', 'changed']),
    /** What a person reads: "valid" or "the record changed after it was signed". */
    message: z.string(),
    signedSha256: z.string(),
    currentSha256: z.string().nullable(),
  }),
});
export type SignatureVerification = z.infer<typeof SignatureVerification>;

/** Whether the next signature of this session needs every component or the password only. */
export const SigningStatus = z.object({
  data: z.object({
    needsEmail: z.boolean(),
    needsTotp: z.boolean(),
    meanings: z.array(z.string()),
  }),
});

export const SignatureMeaning = z
  .string()
  .trim()
  .min(2, 'A meaning has at least 2 characters.')
  .max(100)
  .regex(/^[^\n\r]+$/, 'A meaning is one line.');

export const ComplianceSettingsDto = z.object({
  signatureMeanings: z.array(z.string()),
  requireSignatureForActivation: z.boolean(),
  requireMfa: z.boolean(),
});
export type ComplianceSettingsDto = z.infer<typeof ComplianceSettingsDto>;
export const ComplianceSettingsResponse = z.object({ data: ComplianceSettingsDto });

export const UpdateComplianceSettingsRequest = z.strictObject({
  signatureMeanings: z
    .array(SignatureMeaning)
    .min(1, 'Keep at least one meaning.')
    .max(20)
    .refine((list) => new Set(list.map((m) => m.toLowerCase())).size === list.length, 'Meanings must differ.')
    .optional(),
  requireSignatureForActivation: z.boolean().optional(),
  requireMfa: z.boolean().optional(),
});
export type UpdateComplianceSettingsRequest = z.infer<typeof UpdateComplianceSettingsRequest>;

// ── TOTP second factor ──

export const MfaStatus = z.object({
  data: z.object({ enabled: z.boolean(), recoveryCodesLeft: z.number().int(), required: z.boolean() }),
});

/** A new secret to enrol: shown once, as a QR code (SVG data URL) and as text to type. */
export const MfaEnrolment = z.object({
  data: z.object({ secret: z.string(), otpauthUrl: z.string(), qrDataUrl: z.string() }),
});

export const StartMfaRequest = z.strictObject({});
export const ConfirmMfaRequest = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'Enter the 6-digit code.'),
});
export const RecoveryCodes = z.object({ data: z.object({ recoveryCodes: z.array(z.string()) }) });

export const DisableMfaRequest = z.strictObject({
  password: z.string().min(1, 'Enter your password.').max(1024),
  code: TotpCode,
});

/** Sign-in, second step: the challenge from the first answer and a code (or a recovery code). */
export const MfaLoginRequest = z.strictObject({ challenge: z.string().min(20).max(200), code: TotpCode });
export const MfaEnrolStartRequest = z.strictObject({ challenge: z.string().min(20).max(200) });
export const MfaEnrolConfirmRequest = z.strictObject({
  challenge: z.string().min(20).max(200),
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'Enter the 6-digit code.'),
});

/** The first answer of a sign-in when a second factor is, or must be, next. */
export const MfaChallengeResponse = z.object({
  mfa: z.enum(['verify', 'enrol']),
  challenge: z.string(),
  /** Seconds the challenge stays valid. */
  expiresIn: z.number().int(),
});
export type MfaChallengeResponse = z.infer<typeof MfaChallengeResponse>;

export const MfaEnrolledLoginResponse = z.object({
  accessToken: z.string(),
  expiresIn: z.number().int(),
  user: SessionUser,
  recoveryCodes: z.array(z.string()),
});
