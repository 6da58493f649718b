import type { SetPhiColumnBody } from '@cdp/contracts';
import { phiColumns } from '@cdp/db';
import { and, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { lockedStudyFor } from '../policies/study.ts';
import type { PhiColumnRow } from '../repositories/phi.repo.ts';

const DECIDE = 'study:manage:assigned' as const;

/**
 * A study manager confirms a column's class (PHI or sensitive) for every version of the study,
 * audited with the class before and after. Protecting the files already on disk follows as a job.
 */
export async function classifyPhiColumn(
  ctx: AppContext,
  author: Author,
  input: { studyId: string } & SetPhiColumnBody,
): Promise<PhiColumnRow> {
  const dataset = input.dataset.toUpperCase();
  const column = input.column.toUpperCase();
  return ctx.database.tenant(author.orgId, async (tx) => {
    await lockedStudyFor(tx, author, input.studyId, DECIDE);
    const [before] = await tx
      .select()
      .from(phiColumns)
      .where(
        and(
          eq(phiColumns.orgId, author.orgId),
          eq(phiColumns.studyId, input.studyId),
          eq(phiColumns.dataset, dataset),
          eq(phiColumns.column, column),
        ),
      );
    const [row] = await tx
      .insert(phiColumns)
      .values({
        orgId: author.orgId,
        studyId: input.studyId,
        dataset,
        column,
        classification: input.classification,
        confirmedBy: userIdOf(author),
      })
      .onConflictDoUpdate({
        target: [phiColumns.orgId, phiColumns.studyId, phiColumns.dataset, phiColumns.column],
        set: { classification: input.classification, confirmedBy: userIdOf(author), confirmedAt: new Date() },
      })
      .returning();
    if (!row) throw new Error('phi_columns upsert returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'phi_column.classified',
      resourceType: 'phi_column',
      resourceId: row.id,
      oldValues: before ? { classification: before.classification } : null,
      newValues: { studyId: input.studyId, dataset, column, classification: input.classification },
    });
    // The files already on disk are sealed (or unsealed) to match, in the background.
    await enqueueJob(tx, 'phi.protect', { orgId: author.orgId, studyId: input.studyId });
    return row;
  });
}

/** Removes a column's classification (audited): it is served as any other column again. */
export async function clearPhiColumn(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; dataset: string; column: string },
): Promise<void> {
  await ctx.database.tenant(author.orgId, async (tx) => {
    await lockedStudyFor(tx, author, input.studyId, DECIDE);
    const [removed] = await tx
      .delete(phiColumns)
      .where(
        and(
          eq(phiColumns.orgId, author.orgId),
          eq(phiColumns.studyId, input.studyId),
          eq(phiColumns.dataset, input.dataset.toUpperCase()),
          eq(phiColumns.column, input.column.toUpperCase()),
        ),
      )
      .returning();
    if (!removed) throw notFound(`Classification of ${input.dataset}.${input.column}`);
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'phi_column.cleared',
      resourceType: 'phi_column',
      resourceId: removed.id,
      resourceLabel: `${removed.dataset}.${removed.column}`,
      oldValues: { dataset: removed.dataset, column: removed.column, classification: removed.classification },
      newValues: null,
    });
    await enqueueJob(tx, 'phi.protect', { orgId: author.orgId, studyId: input.studyId });
  });
}
