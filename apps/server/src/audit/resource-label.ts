import type { AuditAction, AuditResourceType } from '@cdp/contracts';
import type { Tx } from '@cdp/db';
import { sql } from 'drizzle-orm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `2026-12-06 08:51:02 UTC`: how a version is told apart on the Data page, without a locale. */
function utc(at: Date | string): string {
  return `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** How a person knows a pipeline run: its pipeline's name and when it was queued. */
export function pipelineRunLabel(pipelineName: string, queuedAt: Date | string): string {
  return `${pipelineName}, run of ${utc(queuedAt)}`;
}

interface VersionRow extends Record<string, unknown> {
  code: string;
  created_at: string;
  kind: string;
  source_file_name: string;
}

function versionText(row: VersionRow): string {
  return dataVersionLabel({
    studyCode: row.code,
    createdAt: row.created_at,
    kind: row.kind,
    sourceFileName: row.source_file_name,
  });
}

/** How a data version is labelled in the trail, for a writer that has its fields at hand (no lookup). */
export function dataVersionLabel(version: {
  studyCode: string;
  createdAt: Date | string;
  kind: string;
  sourceFileName: string;
}): string {
  const source = version.kind === 'demo' ? 'generated demo data' : version.sourceFileName;
  return `${version.studyCode} version of ${utc(version.createdAt)} (${source})`;
}

async function one<T extends Record<string, unknown>>(tx: Tx, query: ReturnType<typeof sql>): Promise<T | undefined> {
  return (await tx.execute<T>(query)).rows[0] as T | undefined;
}

async function versionLabel(tx: Tx, versionId: string): Promise<string | null> {
  const row = await one<VersionRow>(
    tx,
    sql`select s.code, v.created_at, v.kind, v.source_file_name
        from data_versions v join studies s on s.id = v.study_id where v.id = ${versionId}`,
  );
  return row ? versionText(row) : null;
}

/** Looks the resource up as it stands inside the writing transaction (after the change it records). */
async function lookUp(tx: Tx, type: AuditResourceType, id: string): Promise<string | null> {
  switch (type) {
    case 'study':
      return (await one<{ code: string }>(tx, sql`select code from studies where id = ${id}`))?.code ?? null;
    case 'user':
      return (await one<{ email: string }>(tx, sql`select email from users where id = ${id}`))?.email ?? null;
    case 'role':
      return (await one<{ name: string }>(tx, sql`select name from roles where id = ${id}`))?.name ?? null;
    case 'organization':
      return (await one<{ name: string }>(tx, sql`select name from organizations where id = ${id}`))?.name ?? null;
    case 'dashboard':
      return (await one<{ name: string }>(tx, sql`select name from dashboards where id = ${id}`))?.name ?? null;
    case 'dashboard_template':
      return (
        (await one<{ name: string }>(tx, sql`select name from dashboard_templates where id = ${id}`))?.name ?? null
      );
    case 'webhook_endpoint':
      return (await one<{ url: string }>(tx, sql`select url from webhook_endpoints where id = ${id}`))?.url ?? null;
    case 'scheduled_report':
      return (await one<{ name: string }>(tx, sql`select name from scheduled_reports where id = ${id}`))?.name ?? null;
    case 'data_version':
      return versionLabel(tx, id);
    case 'phi_column': {
      const row = await one<{ code: string; dataset: string; column: string }>(
        tx,
        sql`select s.code, c.dataset, c."column" from phi_columns c join studies s on s.id = c.study_id where c.id = ${id}`,
      );
      return row ? `${row.code} ${row.dataset}.${row.column}` : null;
    }
    case 'phi_access_log':
      return 'PHI access log';
    case 'pipeline':
      return (await one<{ name: string }>(tx, sql`select name from pipelines where id = ${id}`))?.name ?? null;
    case 'pipeline_run': {
      const row = await one<{ name: string; queued_at: string }>(
        tx,
        sql`select p.name, r.queued_at from pipeline_runs r join pipelines p on p.id = r.pipeline_id where r.id = ${id}`,
      );
      return row ? pipelineRunLabel(row.name, row.queued_at) : null;
    }
    case 'api_key': {
      const row = await one<{ name: string; prefix: string }>(
        tx,
        sql`select name, prefix from api_keys where id = ${id}`,
      );
      return row ? `${row.name} (${row.prefix}…)` : null;
    }
    case 'dataset': {
      const row = await one<VersionRow & { name: string }>(
        tx,
        sql`select d.name, s.code, v.created_at, v.kind, v.source_file_name
            from datasets d join data_versions v on v.id = d.version_id join studies s on s.id = d.study_id
            where d.id = ${id}`,
      );
      return row ? `${row.name} in ${versionText(row)}` : null;
    }
    case 'data_source':
      return (await one<{ name: string }>(tx, sql`select name from data_sources where id = ${id}`))?.name ?? null;
    case 'data_source_pull': {
      const row = await one<{ name: string; queued_at: string }>(
        tx,
        sql`select s.name, p.queued_at from data_source_pulls p join data_sources s on s.id = p.source_id where p.id = ${id}`,
      );
      return row ? `${row.name}, pull of ${utc(row.queued_at)}` : null;
    }
    case 'signature':
      return (
        (
          await one<{ resource_label: string; meaning: string }>(
            tx,
            sql`select resource_label, meaning from signatures where id = ${id}`,
          )
        )?.resource_label ?? null
      );
    case 'review_mark': {
      const row = await one<{ code: string; dataset: string; record_key: string }>(
        tx,
        sql`select s.code, m.dataset, m.record_key from review_marks m join studies s on s.id = m.study_id where m.id = ${id}`,
      );
      return row ? `${row.code} ${row.dataset} ${row.record_key}` : null;
    }
    case 'review_thread': {
      const row = await one<{ code: string; title: string; usubjid: string }>(
        tx,
        sql`select s.code, t.title, t.usubjid from review_threads t join studies s on s.id = t.study_id where t.id = ${id}`,
      );
      return row ? `${row.code} ${row.usubjid}: ${row.title}` : null;
    }
    case 'session':
    case 'audit_trail':
      return null;
  }
}

function textField(values: unknown, key: string): string | null {
  if (!values || typeof values !== 'object') return null;
  const value = (values as Record<string, unknown>)[key];
  return typeof value === 'string' && value ? value : null;
}

export interface LabelledEntry {
  action: AuditAction;
  resourceType: AuditResourceType;
  resourceId: string | null;
  resourceLabel?: string | null;
  oldValues?: unknown;
  newValues?: unknown;
}

/**
 * The resource as a person knows it, decided when the event is written so that it survives
 * renames and deletions: the caller's label if it gave one; else the row as it stands in the
 * writing transaction; else a name the event's own values carry (a deleted template's name).
 * Activating a version is recorded on the study, but what a reader needs is which version.
 */
export async function resourceLabelFor(tx: Tx, entry: LabelledEntry): Promise<string | null> {
  if (entry.resourceLabel !== undefined) return entry.resourceLabel;
  if (entry.action.startsWith('data_version.') && entry.resourceType === 'study') {
    const versionId = textField(entry.newValues, 'activeVersionId');
    if (versionId && UUID.test(versionId)) return versionLabel(tx, versionId);
  }
  if (entry.resourceId && UUID.test(entry.resourceId)) {
    const found = await lookUp(tx, entry.resourceType, entry.resourceId);
    if (found) return found;
  }
  if (entry.resourceType === 'session' || entry.resourceType === 'audit_trail') return null;
  for (const key of ['code', 'email', 'name']) {
    const value = textField(entry.newValues, key) ?? textField(entry.oldValues, key);
    if (value) return value;
  }
  return null;
}
