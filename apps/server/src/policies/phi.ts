import type { PhiSuggestion } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { schemaOf } from '../data/version-data.ts';
import type { AppContext } from '../lib/context.ts';
import { phiAccessOf } from '../phi/protect-version.ts';
import { suggestPhi } from '../phi/suggest-phi.ts';
import { listPhiColumns } from '../repositories/phi.repo.ts';
import { activeVersionData } from './dashboard.ts';
import { studyFor } from './study.ts';

/** A study's classified columns, for anyone who may view its data; `clear` says how the caller sees them. */
export async function phiColumnsFor(ctx: AppContext, actor: Actor, studyId: string) {
  const study = await studyFor(ctx, actor, studyId, 'data:view:assigned');
  const rows = await ctx.database.tenant(actor.orgId, (tx) => listPhiColumns(tx, actor.orgId, study.id));
  return { rows, clear: phiAccessOf(actor, study.id).clear };
}

/**
 * Columns of the active version (and its pipelines' outputs) the rules take for PHI, for the study
 * manager who decides; each says whether it is already classified.
 */
export async function phiSuggestionsFor(
  ctx: AppContext,
  actor: Actor,
  studyId: string,
  options: { verbatims: boolean },
): Promise<PhiSuggestion[]> {
  const study = await studyFor(ctx, actor, studyId, 'study:manage:assigned');
  // Names and labels only: no value is read, so nothing is masked or logged here.
  const version = await activeVersionData(ctx, actor, study);
  if (!version) return [];
  const classified = await ctx.database.tenant(actor.orgId, (tx) => listPhiColumns(tx, actor.orgId, study.id));
  const known = new Map(classified.map((c) => [`${c.dataset}\n${c.column}`, c.classification]));
  const suggestions: PhiSuggestion[] = [];
  for (const dataset of schemaOf(version)) {
    for (const column of dataset.columns) {
      const rule = suggestPhi(column.name, column.label, options);
      if (!rule) continue;
      suggestions.push({
        dataset: dataset.name.toUpperCase(),
        column: column.name.toUpperCase(),
        label: column.label,
        classification: rule.classification,
        reason: rule.reason,
        confirmed: known.get(`${dataset.name.toUpperCase()}\n${column.name.toUpperCase()}`) ?? null,
      });
    }
  }
  return suggestions;
}
