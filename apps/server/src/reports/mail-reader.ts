import { satisfies, VIEW_PHI } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';

/**
 * The reader a mailed report is rendered for: its owner (or the tester) with every grant of PHI
 * clearance taken away. E-mail is not an access-controlled channel — a message is forwarded,
 * archived and read on devices nobody here controls, and its recipients may not be cleared, or not
 * be users at all — so an attachment always shows PHI as a reader without `data:view_phi:assigned`
 * sees it (masked by the same policy as on screen), whoever owns the report. A cleared user who
 * needs the clear values exports the dashboard, or downloads it, while signed in.
 */
export function mailReader(actor: Actor): Actor {
  return {
    ...actor,
    grants: actor.grants.map((grant) => ({
      ...grant,
      permissions: grant.permissions.filter((held) => !satisfies(held, VIEW_PHI)),
    })),
  };
}
