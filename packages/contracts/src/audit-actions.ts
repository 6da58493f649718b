/**
 * Every action the audit trail records, `"<resource>.<verb>"`. The server's `appendAudit` accepts
 * only these, and the web app's activity feed must have a phrase for each (a test checks), so a
 * new action cannot reach the trail without a reader being able to say what it means.
 */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.session_ended',
  'auth.password_changed',
  'auth.lockout',
  'auth.reauth_failed',
  'auth.refresh_reuse',
  'study.created',
  'study.updated',
  'study.status_changed',
  'study.archived',
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.password_reset',
  'user.unlocked',
  'role.assigned',
  'role.revoked',
  'role.created',
  'role.updated',
  'role.deleted',
  'organization.created',
  'organization.updated',
  'organization.deactivated',
  'organization.reactivated',
  'platform.tenant_viewed',
  'audit.exported',
  'data_version.created',
  'data_version.activated',
  'data_version.rolled_back',
  'data_version.orphan_quarantined',
  'data_upload.failed',
  'dataset.exported',
  'dashboard.created',
  'dashboard.updated',
  'dashboard.restored',
  'dashboard.deleted',
  'dashboard.subjects_exported',
  'dashboard_template.created',
  'dashboard_template.deleted',
  'api_key.created',
  'api_key.revoked',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an audit event can be about (its `resourceType`). */
export const AUDIT_RESOURCE_TYPES = [
  'study',
  'user',
  'role',
  'session',
  'organization',
  'audit_trail',
  'data_version',
  'dataset',
  'dashboard',
  'dashboard_template',
  'api_key',
] as const;
export type AuditResourceType = (typeof AUDIT_RESOURCE_TYPES)[number];
