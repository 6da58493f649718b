import { z } from 'zod';

/**
 * SEAM (issue 13): what each data-source type is configured with, shared by the connectors
 * (packages/connectors), the runtime (apps/server) and the add-source wizard (apps/web).
 * Secrets (a Rave password or bearer token, an sFTP password or private key) are never part of a
 * configuration: they travel separately, are encrypted at rest and are write-only in the API.
 */

/** Medidata Rave Web Services. The study is `project(environment)`, e.g. `Mediflex(Prod)`. */
export const RaveSourceConfig = z.object({
  /** The Rave URL, e.g. `https://innovate.mdsol.com` (RWS lives under `/RaveWebServices`). */
  baseUrl: z.url().max(500),
  /** `basic`: an RWS account (username here, password as the secret); `bearer`: a gateway token as the secret. */
  auth: z.enum(['basic', 'bearer']).default('basic'),
  username: z.string().trim().min(1).max(200).optional(),
  project: z.string().trim().min(1).max(200),
  environment: z.string().trim().min(1).max(100),
  /** Pull these forms only (FormOIDs); all forms when absent. */
  forms: z.array(z.string().trim().min(1).max(100)).max(500).optional(),
  /** The metadata version whose form and field names become column labels; the newest when absent. */
  metadataVersion: z.string().trim().max(50).optional(),
  /** Also pull the Clinical Audit Records as an AUDIT dataset. */
  includeAudit: z.boolean().default(false),
  /** Records per page for paged endpoints. */
  pageSize: z.number().int().min(10).max(10_000).default(1_000),
  /** Per-request timeout. */
  timeoutSeconds: z.number().int().min(5).max(3_600).default(300),
});
export type RaveSourceConfig = z.infer<typeof RaveSourceConfig>;

/**
 * A Rave account before its study is chosen: the add-source wizard tests the account and lists
 * its studies first, then asks which study and environment to pull (the order of issue 13).
 */
export const RaveAccountConfig = RaveSourceConfig.partial({ project: true, environment: true });
export type RaveAccountConfig = z.infer<typeof RaveAccountConfig>;

/** An sFTP server's folder. The secret is the password or the private key (PEM/OpenSSH). */
export const SftpSourceConfig = z.object({
  host: z.string().trim().min(1).max(255),
  port: z.number().int().min(1).max(65_535).default(22),
  username: z.string().trim().min(1).max(200),
  auth: z.enum(['password', 'private_key']).default('password'),
  /** The remote folder, e.g. `/outgoing`. */
  remoteDir: z.string().trim().min(1).max(1_000),
  /** A glob over file names in `remoteDir`, e.g. `*.zip`. */
  pattern: z.string().trim().min(1).max(200).default('*'),
  /** Move each file here on the server after a successful pull (none: leave it). */
  archiveDir: z.string().trim().max(1_000).optional(),
  /** The pinned host key (`SHA256:...`), set once the user confirms the fingerprint of the first test. */
  hostKeyFingerprint: z.string().trim().max(200).optional(),
});
export type SftpSourceConfig = z.infer<typeof SftpSourceConfig>;

/** A folder under the administrator's `IMPORT_ROOT`; no secret. */
export const FolderSourceConfig = z.object({
  /** Relative to `IMPORT_ROOT`; a path that leaves it is refused. */
  path: z.string().trim().min(1).max(1_000),
  pattern: z.string().trim().min(1).max(200).default('*'),
  /** A file is taken once its size has not changed for this long. */
  stableSeconds: z.number().int().min(0).max(3_600).default(30),
});
export type FolderSourceConfig = z.infer<typeof FolderSourceConfig>;

export const DATA_SOURCE_TYPES = ['rave', 'sftp', 'folder'] as const;
export type DataSourceType = (typeof DATA_SOURCE_TYPES)[number];
