import type { DataSource } from '@cdp/contracts';
import { cronProblem, describeCron } from '../../pipelines/lib/schedule.ts';

export type SourceType = 'rave' | 'sftp' | 'folder';

export const TYPE_LABELS: Record<SourceType, string> = {
  rave: 'Medidata Rave',
  sftp: 'sFTP server',
  folder: 'Watched folder',
};

/** What the add-source wizard and the edit dialog hold while a person fills them in: text as typed. */
export interface Draft {
  type: SourceType;
  name: string;
  // sFTP
  host: string;
  port: string;
  username: string;
  auth: 'password' | 'private_key';
  remoteDir: string;
  archiveDir: string;
  // Rave
  baseUrl: string;
  raveAuth: 'basic' | 'bearer';
  project: string;
  environment: string;
  /** FormOIDs to pull, comma- or space-separated; empty: all forms. */
  forms: string;
  includeAudit: boolean;
  // folder
  path: string;
  stableSeconds: string;
  pattern: string;
  secret: string;
  scheduled: boolean;
  cron: string;
  timeZone: string;
  autoActivate: boolean;
}

export const EMPTY_DRAFT: Draft = {
  type: 'sftp',
  name: '',
  host: '',
  port: '22',
  username: '',
  auth: 'password',
  remoteDir: '/outgoing',
  archiveDir: '',
  baseUrl: 'https://',
  raveAuth: 'basic',
  project: '',
  environment: '',
  forms: '',
  includeAudit: false,
  path: '',
  stableSeconds: '30',
  pattern: '*.zip',
  secret: '',
  scheduled: false,
  cron: '0 6 * * *',
  timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  autoActivate: false,
};

/**
 * The fields that decide whether the connection works (where and as whom). Changing one makes an
 * earlier connection test, and a host key confirmed on it, no longer count; what to take (folder,
 * pattern, archive, the Rave study) and the schedule do not.
 */
const CONNECTION_FIELDS: ReadonlySet<keyof Draft> = new Set([
  'type',
  'host',
  'port',
  'username',
  'auth',
  'baseUrl',
  'raveAuth',
  'path',
  'secret',
]);

export function touchesConnection(key: keyof Draft): boolean {
  return CONNECTION_FIELDS.has(key);
}

/** The configuration the API takes. A Rave study not picked yet is left out (the account alone is tested). */
export function configOf(d: Draft, fingerprint: string | null): Record<string, unknown> {
  if (d.type === 'sftp') {
    return {
      host: d.host.trim(),
      port: Number(d.port) || 22,
      username: d.username.trim(),
      auth: d.auth,
      remoteDir: d.remoteDir.trim(),
      pattern: d.pattern.trim() || '*',
      ...(d.archiveDir.trim() ? { archiveDir: d.archiveDir.trim() } : {}),
      ...(fingerprint ? { hostKeyFingerprint: fingerprint } : {}),
    };
  }
  if (d.type === 'folder') {
    return { path: d.path.trim(), pattern: d.pattern.trim() || '*', stableSeconds: Number(d.stableSeconds) || 0 };
  }
  return {
    baseUrl: d.baseUrl.trim(),
    auth: d.raveAuth,
    ...(d.raveAuth === 'basic' && d.username.trim() ? { username: d.username.trim() } : {}),
    ...(d.project.trim() ? { project: d.project.trim() } : {}),
    ...(d.environment.trim() ? { environment: d.environment.trim() } : {}),
    ...(formList(d.forms).length > 0 ? { forms: formList(d.forms) } : {}),
    includeAudit: d.includeAudit,
  };
}

function formList(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/**
 * A saved source as a draft, for the edit dialog. Settings the dialog does not show (a Rave
 * source's forms, audit, page size, timeout) are kept by `savedConfigOf`.
 */
export function draftOf(source: DataSource): Draft {
  const c = source.config as Record<string, unknown>;
  const text = (key: string, fallback = '') => (c[key] === undefined ? fallback : String(c[key]));
  return {
    ...EMPTY_DRAFT,
    type: source.type,
    name: source.name,
    host: text('host'),
    port: text('port', '22'),
    username: text('username'),
    auth: c.auth === 'private_key' ? 'private_key' : 'password',
    remoteDir: text('remoteDir'),
    archiveDir: text('archiveDir'),
    baseUrl: text('baseUrl'),
    raveAuth: c.auth === 'bearer' ? 'bearer' : 'basic',
    project: text('project'),
    environment: text('environment'),
    forms: Array.isArray(c.forms) ? c.forms.join(', ') : '',
    includeAudit: c.includeAudit === true,
    path: text('path'),
    stableSeconds: text('stableSeconds', '30'),
    pattern: text('pattern', '*'),
    scheduled: source.schedule !== null,
    cron: source.schedule?.cron ?? EMPTY_DRAFT.cron,
    timeZone: source.schedule?.timeZone ?? EMPTY_DRAFT.timeZone,
    autoActivate: source.autoActivate,
  };
}

/** The edited configuration over the saved one: what the dialog shows replaces, the rest stays. */
export function savedConfigOf(source: DataSource, d: Draft, fingerprint: string | null): Record<string, unknown> {
  const saved = { ...(source.config as Record<string, unknown>) };
  // Fields the dialog may empty are dropped from the saved ones first, so emptying them takes.
  for (const key of ['archiveDir', 'hostKeyFingerprint', 'username', 'forms']) delete saved[key];
  return { ...saved, ...configOf(d, fingerprint) };
}

/** Why the schedule cannot be saved, or null. */
export function scheduleProblem(d: Draft): { cron?: string; timeZone?: string } | null {
  if (!d.scheduled) return null;
  const cron = cronProblem(d.cron) ?? undefined;
  let timeZone: string | undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: d.timeZone.trim() });
  } catch {
    timeZone = `${d.timeZone} is not a time zone; pick one from the list.`;
  }
  return cron || timeZone ? { ...(cron ? { cron } : {}), ...(timeZone ? { timeZone } : {}) } : null;
}

/** Where the draft pulls from, in one line (the review step). */
export function whereOfDraft(d: Draft): string {
  if (d.type === 'sftp') return `${d.username}@${d.host}:${d.port}${d.remoteDir}/${d.pattern}`;
  if (d.type === 'folder') return `${d.path}/${d.pattern}`;
  return `${d.baseUrl} · ${d.project}(${d.environment})`;
}

/**
 * When a saved source pulls by itself, in its schedule's own time zone (the cron is read there, so
 * the next run is shown there too, named): "Weekdays at 06:00 (Europe/Berlin) · next Dec 8, 2026, 6:00 AM".
 */
export function scheduleText(source: Pick<DataSource, 'schedule' | 'nextRunAt'>): string {
  if (!source.schedule) return 'By hand only';
  const { cron, timeZone } = source.schedule;
  const rule = `${describeCron(cron)} (${timeZone})`;
  if (!source.nextRunAt) return `${rule} · paused`;
  const next = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(
    new Date(source.nextRunAt),
  );
  return `${rule} · next ${next}`;
}
