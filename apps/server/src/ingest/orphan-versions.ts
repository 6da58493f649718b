import { mkdir, readdir, rename, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { dataVersions, studies } from '@cdp/db';
import { and, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { systemAuthor } from '../auth/author.ts';
import { subfolders } from '../jobs/handlers/sweep-temp.ts';
import type { AppContext } from '../lib/context.ts';
import { isRunAlive, runOfTempName } from '../lib/process-run.ts';

/** Where a study's orphan version folders go: beside `source_data`, never read as data. */
export const QUARANTINE_FOLDER = 'quarantine';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface OrphanReport {
  orgId: string;
  studyId: string;
  /** The folder's name under `source_data/`. */
  folder: string;
  /** `quarantine/<name>` in the study's folder, or null when the folder was empty and removed. */
  movedTo: string | null;
  files: string[];
}

/**
 * Finds `source_data/<label>` folders that no data version names: what a crash between renaming a
 * converted version into place and committing its row leaves (or an empty folder reserved just
 * before). They are not data anyone loaded, but they hold converted clinical data, so they are not
 * deleted unseen: each is moved to the study's `quarantine/` folder, logged as a warning, and
 * recorded in the organization's audit trail (`data_version.orphan_quarantined`, by "system"),
 * where an org admin sees it under Activity. An empty reserved folder is simply removed (and
 * reported the same way). A folder whose version is being committed right now by a running process
 * is left alone: that process leaves a `run-<id>--pending-<label>` note in `temp/` until it commits.
 * Study folders whose study has no row are not judged here.
 */
export async function quarantineOrphanVersions(ctx: AppContext): Promise<OrphanReport[]> {
  const root = path.join(ctx.config.dataDir, 'studies');
  const reports: OrphanReport[] = [];
  for (const orgId of await subfolders(root)) {
    if (!UUID.test(orgId)) continue;
    for (const studyId of await subfolders(path.join(root, orgId))) {
      if (!UUID.test(studyId)) continue;
      const base = path.join(root, orgId, studyId);
      const folders = await subfolders(path.join(base, 'source_data'));
      if (folders.length === 0) continue;
      const known = await ctx.database.tenant(orgId, async (tx) => {
        const [study] = await tx
          .select({ id: studies.id })
          .from(studies)
          .where(and(eq(studies.orgId, orgId), eq(studies.id, studyId)));
        if (!study) return null;
        const rows = await tx
          .select({ label: dataVersions.label })
          .from(dataVersions)
          .where(and(eq(dataVersions.orgId, orgId), eq(dataVersions.studyId, studyId)));
        return new Set(rows.map((r) => r.label));
      });
      if (!known) continue;
      const pending = await pendingLabels(ctx, path.join(base, 'temp'));
      for (const folder of folders) {
        if (known.has(folder) || pending.has(folder)) continue;
        reports.push(await quarantine(ctx, orgId, studyId, base, folder));
      }
    }
  }
  return reports;
}

/** Labels a running process is committing right now (its note in `temp/`). */
async function pendingLabels(ctx: AppContext, temp: string): Promise<Set<string>> {
  const labels = new Set<string>();
  for (const entry of await subfolders(temp, true)) {
    const run = runOfTempName(entry);
    const label = /--pending-(.+)$/.exec(entry)?.[1];
    if (run && label && (await isRunAlive(ctx.database.pool, run))) labels.add(label);
  }
  return labels;
}

async function quarantine(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  base: string,
  folder: string,
): Promise<OrphanReport> {
  const source = path.join(base, 'source_data', folder);
  const files = (await readdir(source).catch(() => [])).sort();
  let movedTo: string | null = null;
  if (files.length === 0) {
    await rmdir(source);
  } else {
    await mkdir(path.join(base, QUARANTINE_FOLDER), { recursive: true, mode: 0o750 });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
    movedTo = `${QUARANTINE_FOLDER}/${folder}-found-${stamp}`;
    await rename(source, path.join(base, movedTo));
  }
  const report: OrphanReport = { orgId, studyId, folder, movedTo, files };
  ctx.log.warn(
    report,
    movedTo
      ? 'a version folder that no data version names (left by a crash before its commit) was moved to quarantine'
      : 'an empty version folder that no data version names was removed',
  );
  await ctx.database.tenant(orgId, (tx) =>
    appendAudit(tx, {
      orgId,
      author: systemAuthor(orgId),
      action: 'data_version.orphan_quarantined',
      resourceType: 'study',
      resourceId: studyId,
      newValues: { folder: `source_data/${folder}`, movedTo, files },
      reason: 'Found at start-up: no data version names this folder (an upload interrupted before its commit)',
    }),
  );
  return report;
}
