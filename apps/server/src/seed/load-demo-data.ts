import path from 'node:path';
import { dataVersions, organizations, studies } from '@cdp/db';
import { writeParquet } from '@cdp/formats';
import { and, eq, sql } from 'drizzle-orm';
import { systemAuthor } from '../auth/author.ts';
import { recordDataVersion } from '../commands/create-data-version.ts';
import { generateDemoStudy } from '../demo/generate-study.ts';
import type { AppContext } from '../lib/context.ts';
import { DEMO_STUDY } from './seed.ts';

/** About 300 screened subjects at 12 sites: real-looking at first sight, quick to generate. */
export const DEMO_DATA = { subjects: 300, sites: 12, seed: 301 } as const;

/**
 * Gives the demo study its first data version on first start (generated, never read from
 * `../shared/data`), so a new user opens a study with data in it. Does nothing once the study has
 * any version, so a restart or a user's own uploads are never disturbed.
 */
export async function loadDemoData(ctx: AppContext): Promise<{ loaded: boolean; rows?: number }> {
  const study = await ctx.database.system(async (tx) => {
    const [row] = await tx
      .select({ id: studies.id, orgId: studies.orgId })
      .from(studies)
      .innerJoin(organizations, eq(organizations.id, studies.orgId))
      .where(and(eq(organizations.code, 'demo'), eq(studies.code, DEMO_STUDY.code)));
    if (!row) return null;
    const [{ count } = { count: 0 }] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(dataVersions)
      .where(eq(dataVersions.studyId, row.id));
    return count === 0 ? row : null;
  });
  if (!study) return { loaded: false };
  const version = await loadGeneratedVersion(ctx, study, { ...DEMO_DATA, studyId: DEMO_STUDY.code });
  return { loaded: true, rows: version.datasets.reduce((sum, d) => sum + d.rows, 0) };
}

/**
 * Records a generated study (DM, DS, SV, EX, AE, LB, VS) as a new version of `study`, as the system.
 * The first version of a study becomes active.
 */
export async function loadGeneratedVersion(
  ctx: AppContext,
  study: { id: string; orgId: string },
  options: Parameters<typeof generateDemoStudy>[0],
) {
  const readers = generateDemoStudy(options);
  return recordDataVersion(ctx, systemAuthor(study.orgId), {
    studyId: study.id,
    source: {
      kind: 'demo',
      fileName: `demo-generator (${options.subjects} subjects, seed ${options.seed})`,
      bytes: 0,
      sha256: '',
    },
    produce: async (work) => {
      const datasets = [];
      for (const reader of readers) {
        const file = path.join(work, `${reader.info.name}.generated.parquet`);
        const result = await writeParquet(reader, file, { memoryLimit: ctx.config.duckdbMemoryLimit });
        datasets.push({ ...result, source: `generated ${reader.info.name}`, format: 'generated' });
      }
      return { datasets, skipped: [] };
    },
  });
}
