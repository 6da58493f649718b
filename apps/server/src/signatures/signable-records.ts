import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Permission, SignableResourceType } from '@cdp/contracts';
import {
  dashboardExports,
  dashboards,
  dashboardVersions,
  datasets,
  dataVersions,
  pipelines,
  pipelineVersions,
  studies,
  type Tx,
} from '@cdp/db';
import { and, asc, eq } from 'drizzle-orm';
import { canonicalJson } from '../audit/canonical-json.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import { studyDir } from '../lib/study-folders.ts';

/**
 * What a signature binds to (21 CFR 11.70): per resource type, the record's canonical content, a
 * plain object whose canonical JSON is hashed with SHA-256. It holds what the signer approved and
 * nothing that changes without the record changing (no timestamps of later reads, no counters):
 *
 * - data version: its study, label, uploaded file's SHA-256 and each dataset's name and SHA-256
 *   (the manifest of the Parquet files);
 * - study (only when locked): the study's identifying fields, status and active data version;
 * - dashboard version (`<dashboardId>:<version>`): the saved name and document;
 * - pipeline version (`<pipelineId>:<version>`): the saved name, kind, body, inputs and outputs;
 * - export: the export file's SHA-256 as it is on disk (see `findExport`).
 */
export interface SignableRecord {
  studyId: string;
  label: string;
  content: Record<string, unknown>;
}

/** Who may sign a record of each type: whoever may see it (a signature attests, it changes nothing). */
export const SIGN_PERMISSION: Record<SignableResourceType, Permission> = {
  data_version: 'data:view:assigned',
  study: 'study:view:assigned',
  dashboard_version: 'dashboard:view:assigned',
  pipeline_version: 'pipeline:view:assigned',
  export: 'dashboard:view:assigned',
};

const NAMES: Record<SignableResourceType, string> = {
  data_version: 'Data version',
  study: 'Study',
  dashboard_version: 'Dashboard version',
  pipeline_version: 'Pipeline version',
  export: 'Export',
};

export function contentSha256(record: SignableRecord): string {
  return createHash('sha256').update(canonicalJson(record.content)).digest('hex');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `<uuid>:<version>` of dashboard and pipeline versions. */
function versionRef(id: string): { id: string; version: number } | null {
  const match = /^([0-9a-f-]{36}):(\d{1,9})$/i.exec(id);
  if (!match?.[1] || !match[2] || !UUID.test(match[1])) return null;
  return { id: match[1], version: Number(match[2]) };
}

/** The SHA-256 of a file as it is on disk now, or null when it is not there. */
async function fileSha256(file: string): Promise<string | null> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return hash.digest('hex');
}

/**
 * The export record a signature binds to: the export file's SHA-256 as the file is now, so a file
 * changed on disk after signing verifies as "changed". Once the retention job has removed the file
 * (`purged_at`), the SHA-256 recorded when it was written stands for it (the row and the
 * `dashboard.exported` audit event keep it); a file missing without a purge hashes as null.
 * Signing needs a finished export whose file is there and still hashes as recorded.
 */
async function findExport(
  tx: Tx,
  orgId: string,
  id: string,
  mode: 'sign' | 'read',
  dataDir: string | undefined,
): Promise<{ studyId: string; label: string; sha256: string | null } | null> {
  if (!UUID.test(id)) return null;
  const [row] = await tx
    .select()
    .from(dashboardExports)
    .where(and(eq(dashboardExports.orgId, orgId), eq(dashboardExports.id, id)));
  if (!row) return null;
  if (!dataDir) throw new Error('loadSignable needs the data folder to read an export file');
  const label = `Export ${row.fileName ?? `${row.id}.${row.format}`}`;
  if (row.status !== 'SUCCEEDED' || !row.sha256) {
    if (mode === 'sign') {
      throw new AppError(
        'INVALID_STATE',
        `This export is ${row.status.toLowerCase()}: only a finished export is signed.`,
      );
    }
    return { studyId: row.studyId, label, sha256: null };
  }
  if (!row.filePath || row.purgedAt) {
    if (mode === 'sign') {
      throw new AppError(
        'INVALID_STATE',
        "This export's file has been removed after its retention period: export again to sign.",
      );
    }
    return { studyId: row.studyId, label, sha256: row.sha256 };
  }
  const sha256 = await fileSha256(path.join(studyDir(dataDir, orgId, row.studyId), row.filePath));
  if (mode === 'sign' && sha256 !== row.sha256) {
    throw new AppError(
      'INVALID_STATE',
      sha256
        ? "This export's file no longer matches the SHA-256 recorded when it was made: it is not signed. Export again."
        : "This export's file is no longer on the server: export again to sign.",
    );
  }
  return { studyId: row.studyId, label, sha256 };
}

/**
 * The record as it stands now, in the actor's organization, or null (unknown, another
 * organization's, malformed id). `mode: 'sign'` also refuses records that may not be signed in
 * their state (a study that is not locked).
 */
export async function loadSignable(
  tx: Tx,
  orgId: string,
  type: SignableResourceType,
  id: string,
  mode: 'sign' | 'read' = 'read',
  /** DATA_DIR (`ctx.config.dataDir`): an export's content is its file's hash, read from disk. */
  dataDir?: string,
): Promise<SignableRecord | null> {
  switch (type) {
    case 'data_version': {
      if (!UUID.test(id)) return null;
      const [version] = await tx
        .select({ v: dataVersions, code: studies.code })
        .from(dataVersions)
        .innerJoin(studies, eq(studies.id, dataVersions.studyId))
        .where(and(eq(dataVersions.orgId, orgId), eq(dataVersions.id, id)));
      if (!version) return null;
      const files = await tx
        .select({ name: datasets.name, sha256: datasets.sha256, rows: datasets.rows })
        .from(datasets)
        .where(eq(datasets.versionId, id))
        .orderBy(asc(datasets.name));
      return {
        studyId: version.v.studyId,
        label: `${version.code} data version ${version.v.label}`,
        content: {
          type,
          id,
          studyId: version.v.studyId,
          label: version.v.label,
          sourceSha256: version.v.sourceSha256,
          datasets: files,
        },
      };
    }
    case 'study': {
      if (!UUID.test(id)) return null;
      const [study] = await tx
        .select()
        .from(studies)
        .where(and(eq(studies.orgId, orgId), eq(studies.id, id)));
      if (!study) return null;
      if (mode === 'sign' && study.status !== 'locked') {
        throw new AppError('INVALID_STATE', `Study ${study.code} is ${study.status}: only a locked study is signed.`);
      }
      return {
        studyId: study.id,
        label: `Study ${study.code} (locked)`,
        content: {
          type,
          id,
          code: study.code,
          name: study.name,
          protocol: study.protocol,
          phase: study.phase,
          status: study.status,
          activeDataVersionId: study.activeDataVersionId,
        },
      };
    }
    case 'dashboard_version': {
      const ref = versionRef(id);
      if (!ref) return null;
      const [row] = await tx
        .select({ v: dashboardVersions, studyId: dashboards.studyId })
        .from(dashboardVersions)
        .innerJoin(dashboards, eq(dashboards.id, dashboardVersions.dashboardId))
        .where(
          and(
            eq(dashboardVersions.orgId, orgId),
            eq(dashboardVersions.dashboardId, ref.id),
            eq(dashboardVersions.version, ref.version),
          ),
        );
      if (!row) return null;
      return {
        studyId: row.studyId,
        label: `Dashboard ${row.v.name}, version ${row.v.version}`,
        content: { type, dashboardId: ref.id, version: ref.version, name: row.v.name, document: row.v.document },
      };
    }
    case 'pipeline_version': {
      const ref = versionRef(id);
      if (!ref) return null;
      const [row] = await tx
        .select({ v: pipelineVersions, studyId: pipelines.studyId })
        .from(pipelineVersions)
        .innerJoin(pipelines, eq(pipelines.id, pipelineVersions.pipelineId))
        .where(
          and(
            eq(pipelineVersions.orgId, orgId),
            eq(pipelineVersions.pipelineId, ref.id),
            eq(pipelineVersions.version, ref.version),
          ),
        );
      if (!row) return null;
      const { v } = row;
      return {
        studyId: row.studyId,
        label: `Pipeline ${v.name}, version ${v.version}`,
        content: {
          type,
          pipelineId: ref.id,
          version: ref.version,
          name: v.name,
          description: v.description,
          kind: v.kind,
          body: v.body,
          inputs: v.inputs,
          outputs: v.outputs,
        },
      };
    }
    case 'export': {
      const found = await findExport(tx, orgId, id, mode, dataDir);
      if (!found) return null;
      return { studyId: found.studyId, label: found.label, content: { type, id, sha256: found.sha256 } };
    }
  }
}

export function signableNotFound(type: SignableResourceType): AppError {
  return notFound(NAMES[type]);
}
