import type { Actor } from '../auth/actor.ts';
import { mfaOf } from '../auth/second-factor.ts';
import type { AppContext } from '../lib/context.ts';
import { complianceOf } from '../repositories/compliance.repo.ts';

/** Every member reads the settings: the signature dialog lists the meanings. */
export function complianceSettingsOf(ctx: AppContext, actor: Actor) {
  return ctx.database.tenant(actor.orgId, (tx) => complianceOf(tx, actor.orgId));
}

export function mfaStatusOf(ctx: AppContext, actor: Actor) {
  return ctx.database.tenant(actor.orgId, async (tx) => ({
    ...(await mfaOf(tx, actor.userId)),
    required: (await complianceOf(tx, actor.orgId)).requireMfa,
  }));
}
