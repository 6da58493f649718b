import { AUDIT_ACTIONS, AUDIT_RESOURCE_TYPES, type AuditAction, type AuditEvent } from '@cdp/contracts';

/**
 * What happened, as a phrase that follows the actor's name ("Alex Admin created a study"). Typed
 * by the contracts' `AUDIT_ACTIONS`, so a new action without a phrase does not compile.
 */
const PHRASES: Record<AuditAction, string> = {
  'auth.login': 'signed in',
  'auth.login_failed': 'failed to sign in',
  'auth.logout': 'signed out',
  'auth.session_ended': 'had a session ended',
  'auth.password_changed': 'changed their password',
  'auth.reauth_failed': 'typed a wrong password to confirm it was them',
  'auth.lockout': 'was locked out after wrong passwords',
  'auth.refresh_reuse': 'had a session ended: a sign-in token was reused',
  'study.created': 'created a study',
  'study.updated': 'edited a study',
  'study.status_changed': 'changed a study’s status',
  'study.archived': 'archived a study',
  'user.created': 'created a user',
  'user.updated': 'renamed a user',
  'user.deactivated': 'deactivated a user',
  'user.reactivated': 'reactivated a user',
  'user.password_reset': 'reset a user’s password',
  'user.unlocked': 'unlocked a user',
  'role.assigned': 'assigned a role',
  'role.revoked': 'revoked a role',
  'role.created': 'created a role',
  'role.updated': 'changed a role',
  'role.deleted': 'deleted a role',
  'organization.created': 'created an organization',
  'organization.updated': 'changed organization settings',
  'organization.deactivated': 'deactivated an organization',
  'organization.reactivated': 'reactivated an organization',
  'platform.tenant_viewed': 'viewed this organization’s users (platform support)',
  'audit.exported': 'exported the audit trail',
  'data_version.created': 'uploaded a data version',
  'data_version.activated': 'activated a data version',
  'data_version.orphan_quarantined': 'quarantined a version folder an interrupted upload left',
  'data_version.rolled_back': 'rolled back to an earlier data version',
  'dataset.exported': 'downloaded a dataset',
  'dashboard.created': 'created a dashboard',
  'dashboard.updated': 'saved changes to a dashboard',
  'dashboard.restored': 'restored an earlier version of a dashboard',
  'dashboard.deleted': 'deleted a dashboard',
  'dashboard.subjects_exported': 'downloaded the subjects behind a dashboard widget',
  'dashboard.exported': 'exported a dashboard as a document',
  'dashboard.widget_exported': 'downloaded a dashboard widget as a file',
  'export.signed_copy_made': 'made the signed copy of an export (its signature page appended)',
  'dashboard_template.created': 'saved a dashboard as a template',
  'dashboard_template.deleted': 'deleted a dashboard template',
  'pipeline.created': 'created a pipeline',
  'pipeline.updated': 'saved changes to a pipeline',
  'pipeline.restored': 'restored an earlier version of a pipeline',
  'pipeline_run.started': 'started a pipeline run',
  'pipeline_run.succeeded': 'completed a pipeline run',
  'pipeline_run.failed': 'recorded a failed pipeline run',
  'pipeline_run.cancelled': 'cancelled a pipeline run',
  'data_upload.failed': 'had an upload fail',
  'api_key.created': 'created an API key',
  'api_key.revoked': 'revoked an API key',
  'webhook_endpoint.created': 'added a webhook endpoint',
  'webhook_endpoint.updated': 'changed a webhook endpoint',
  'webhook_endpoint.deleted': 'deleted a webhook endpoint',
  'webhook_endpoint.secret_rotated': 'rotated a webhook endpoint’s signing secret',
  'webhook_endpoint.disabled': 'disabled a webhook endpoint after its deliveries kept failing',
  'webhook_endpoint.tested': 'sent a test event to a webhook endpoint',
  'webhook_delivery.redelivered': 'redelivered a webhook event',
  'phi_column.classified': 'classified a column as PHI or sensitive',
  'phi_column.cleared': 'cleared the PHI classification of a column',
  'phi_access.exported': 'exported the PHI access log',
  'data_source.created': 'added a data source',
  'data_source.updated': 'changed a data source',
  'data_source.secret_replaced': 'replaced a data source’s credentials',
  'data_source.deleted': 'deleted a data source',
  'data_source.pull.started': 'started a data source pull',
  'data_source.pull.succeeded': 'completed a data source pull',
  'data_source.pull.failed': 'recorded a failed data source pull',
  'data_source.pull.cancelled': 'cancelled a data source pull',
  'data_source.secrets_rotated': 're-encrypted the data source credentials under a new key',
  'phi.keys_rotated': "re-wrapped the studies' PHI encryption keys under a new master key",
  'signature.signed': 'signed a record electronically',
  'signature.failed': 'failed to sign a record (wrong password, e-mail or code)',
  'mfa.enrolled': 'turned on two-factor sign-in',
  'mfa.disabled': 'turned off two-factor sign-in',
  'mfa.reset': 'reset a user’s two-factor sign-in',
  'mfa.code_failed': 'typed a wrong two-factor code',
  'mfa.recovery_code_used': 'signed in with a recovery code',
  'compliance.updated': 'changed the compliance settings',
  'scheduled_report.created': 'scheduled a report',
  'scheduled_report.updated': 'changed a scheduled report',
  'scheduled_report.deleted': 'deleted a scheduled report',
  'scheduled_report.sent': 'e-mailed a report',
  'scheduled_report.failed': 'failed to e-mail a report',
  'scheduled_report.disabled': 'disabled a scheduled report after three failed runs',
  'scheduled_report.resent': 'resent the file of a failed report run',
  'report_settings.updated': 'changed who e-mailed reports may go to',
  'review.marked': 'marked a record reviewed',
  'review.unmarked': 'withdrew a review mark',
  'review_thread.created': 'opened a review note or query',
  'review_thread.replied': 'replied to a review query',
  'review_thread.status_changed': 'changed a review query’s status',
  'review_thread.assigned': 'assigned a review query',
};

function isKnownAction(action: string): action is AuditAction {
  return Object.hasOwn(PHRASES, action);
}

/** The phrase for an action; an action this build does not know (an older or newer server) shows as its code. */
export function eventPhrase(action: string): string {
  return isKnownAction(action) ? PHRASES[action] : action;
}

/** Common prefixes for the action filter, then every action. */
export const ACTION_SUGGESTIONS = [
  ...new Set(AUDIT_ACTIONS.map((action) => `${action.split('.')[0]}.`)),
  ...AUDIT_ACTIONS,
];

export const RESOURCE_TYPES = AUDIT_RESOURCE_TYPES;

function textField(values: unknown, key: string): string | null {
  if (!values || typeof values !== 'object') return null;
  const value = (values as Record<string, unknown>)[key];
  return typeof value === 'string' && value ? value : null;
}

/** Known names by resource type and id (study codes, user e-mails). */
export type ResourceNames = Partial<Record<string, Map<string, string>>>;

/**
 * A readable name for the event's resource: the label written with the event (a version's time
 * and source, a dashboard's title); for events older than that, a study code or an e-mail known
 * now, a name in the event's values, else a short id.
 */
export function resourceLabel(event: AuditEvent, names?: ResourceNames): string {
  // A session id or the actor's own account says nothing more than the actor column already does.
  if (event.resourceType === 'session' || (event.action.startsWith('auth.') && event.resourceType === 'user')) {
    return '';
  }
  if (event.resourceLabel) return event.resourceLabel;
  const known = event.resourceId ? names?.[event.resourceType]?.get(event.resourceId) : undefined;
  if (known) return known;
  for (const key of ['code', 'email', 'user', 'key', 'name']) {
    const value = textField(event.newValues, key) ?? textField(event.oldValues, key);
    if (value) return value;
  }
  return event.resourceId ? `${event.resourceId.slice(0, 8)}…` : '';
}

export function actionTone(action: string): 'danger' | 'warning' | 'success' | 'neutral' | 'accent' {
  if (/failed|lockout|reuse|deactivated|deleted|revoked/.test(action)) return 'danger';
  if (/archived|password_reset|status_changed|tenant_viewed|exported|rolled_back/.test(action)) return 'warning';
  if (/created|assigned|reactivated/.test(action)) return 'success';
  if (action.startsWith('auth.')) return 'neutral';
  return 'accent';
}
