import { randomUUID } from 'node:crypto';
import type { CreateStudyData } from '@cdp/contracts';
import { organizations, studies } from '@cdp/db';
import { and, eq, ne, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { AppError, isUniqueViolation } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { durableFiles } from '../lib/durable-files.ts';
import { createStudyFolders, removeStudyFolders, studyDir } from '../lib/study-folders.ts';
import { presentStudy } from '../presenters/study.ts';
import type { StudyRow } from '../repositories/studies.repo.ts';

/**
 * Creates the study row and its folders under DATA_DIR together: the folders are made first and
 * removed again if the transaction fails, so neither exists without the other.
 */
export async function createStudy(ctx: AppContext, author: Author, input: CreateStudyData): Promise<StudyRow> {
  const id = randomUUID();
  const dir = studyDir(ctx.config.dataDir, author.orgId, id);
  await createStudyFolders(dir);
  try {
    // The folders' names on the disk before the row that says the study exists commits: a version
    // renamed into source_data/ later flushes that folder, not the names above it.
    await durableFiles(ctx).made(dir, ctx.config.dataDir);
    return await ctx.database.tenant(author.orgId, async (tx) => {
      // Locking the organization row serializes concurrent creations against the quota.
      const [org] = await tx
        .select({ name: organizations.name, maxStudies: organizations.maxStudies })
        .from(organizations)
        .where(eq(organizations.id, author.orgId))
        .for('update');
      if (org?.maxStudies != null) {
        const [{ count } = { count: 0 }] = await tx
          .select({ count: sql<number>`count(*)::int` })
          .from(studies)
          .where(and(eq(studies.orgId, author.orgId), ne(studies.status, 'archived')));
        if (count >= org.maxStudies) {
          throw new AppError(
            'QUOTA_EXCEEDED',
            `${org.name} has reached its limit of ${org.maxStudies} studies (max_studies). Archive a study or ask your platform administrator to raise the limit.`,
            { quota: 'max_studies', limit: org.maxStudies, used: count },
          );
        }
      }
      const [row] = await tx
        .insert(studies)
        .values({
          id,
          orgId: author.orgId,
          code: input.code,
          name: input.name,
          protocol: input.protocol ?? null,
          phase: input.phase,
          therapeuticArea: input.therapeuticArea ?? null,
          description: input.description ?? null,
          plannedEnrollment: input.plannedEnrollment ?? null,
          plannedEnrollmentStart: input.plannedEnrollmentStart ?? null,
          plannedEnrollmentEnd: input.plannedEnrollmentEnd ?? null,
          createdBy: userIdOf(author),
        })
        .returning();
      if (!row) throw new Error('study insert returned nothing');
      await appendAudit(tx, {
        orgId: author.orgId,
        author,
        action: 'study.created',
        resourceType: 'study',
        resourceId: row.id,
        newValues: presentStudy(row),
      });
      return row;
    });
  } catch (error) {
    await removeStudyFolders(dir);
    if (isUniqueViolation(error, 'studies_org_code')) {
      throw new AppError('CONFLICT', `A study with code ${input.code} already exists.`, {
        issues: [{ path: 'body.code', message: `Code ${input.code} is already used.` }],
      });
    }
    throw error;
  }
}
