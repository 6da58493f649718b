import type { UpdateComplianceSettingsRequest } from '@cdp/contracts';
import { complianceSettings } from '@cdp/db';
import { sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { recordWrongPassword } from '../auth/login.ts';
import { reauthenticate } from '../auth/reauthenticate.ts';
import {
  beginEnrolment,
  confirmEnrolment,
  consumeSecondFactor,
  removeMfa,
  TOTP_KEY_PURPOSE,
} from '../auth/second-factor.ts';
import { otpauthUrl, qrDataUrl } from '../auth/totp.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { lockedUserFor } from '../policies/user.ts';
import { complianceOf } from '../repositories/compliance.repo.ts';

function signedInUser(author: Author): { id: string; orgId: string } {
  if (author.type !== 'user' || !author.id)
    throw new AppError('FORBIDDEN', 'Only a signed-in person sets up two-factor sign-in.');
  return { id: author.id, orgId: author.orgId };
}

/** Account → Security: a new secret to scan (pending until a code confirms it). */
export async function startMfaEnrolment(ctx: AppContext, author: Author) {
  const user = signedInUser(author);
  const key = ctx.tokens.deriveKey(TOTP_KEY_PURPOSE);
  const begun = await ctx.database.tenant(user.orgId, (tx) => beginEnrolment(tx, key, user));
  if ('alreadyEnabled' in begun) {
    throw new AppError('INVALID_STATE', 'Two-factor sign-in is already on. Turn it off first to enrol another device.');
  }
  const url = otpauthUrl(author.label, begun.secret);
  return { secret: begun.secret, otpauthUrl: url, qrDataUrl: await qrDataUrl(url) };
}

/** The confirming code turns the factor on; the ten recovery codes are returned this once. */
export async function confirmMfaEnrolment(ctx: AppContext, author: Author, code: string): Promise<string[]> {
  const user = signedInUser(author);
  const key = ctx.tokens.deriveKey(TOTP_KEY_PURPOSE);
  const codes = await ctx.database.tenant(user.orgId, async (tx) => {
    const made = await confirmEnrolment(tx, key, user, code);
    if (made) {
      await appendAudit(tx, {
        orgId: user.orgId,
        author,
        action: 'mfa.enrolled',
        resourceType: 'user',
        resourceId: user.id,
        newValues: { at: 'account' },
      });
    }
    return made;
  });
  if (!codes) {
    throw new AppError('VALIDATION_FAILED', 'The code does not match. Enter the current code from your app.', {
      issues: [{ path: 'body.code', message: 'The code does not match the new secret.' }],
    });
  }
  return codes;
}

/**
 * Turning the factor off needs the password and a current code (or a recovery code), and is
 * refused while the organization requires a second factor.
 */
export async function disableMfa(ctx: AppContext, author: Author, input: { password: string; code: string }) {
  const user = signedInUser(author);
  const required = await ctx.database.tenant(user.orgId, async (tx) => (await complianceOf(tx, user.orgId)).requireMfa);
  if (required) {
    throw new AppError('INVALID_STATE', 'Your organization requires two-factor sign-in; it cannot be turned off.');
  }
  await reauthenticate(ctx, author, input.password, 'mfa_disable', 'body.password');
  const key = ctx.tokens.deriveKey(TOTP_KEY_PURPOSE);
  const ok = await ctx.database.tenant(user.orgId, async (tx) => {
    if (!(await consumeSecondFactor(tx, key, user.id, input.code))) return false;
    await removeMfa(tx, user.id);
    await appendAudit(tx, {
      orgId: user.orgId,
      author,
      action: 'mfa.disabled',
      resourceType: 'user',
      resourceId: user.id,
    });
    return true;
  });
  if (!ok) {
    await ctx.database.tenant(user.orgId, (tx) =>
      recordWrongPassword(tx, ctx.config, user, author, 'mfa.code_failed', { reason: 'wrong_code', step: 'disable' }),
    );
    throw new AppError('INVALID_CREDENTIALS', 'The code is incorrect, or was already used.', {
      issues: [{ path: 'body.code', message: 'The code is incorrect, or was already used.' }],
    });
  }
}

/** Users → reset two-factor sign-in: for someone who lost their device; they enrol again. */
export async function resetUserMfa(ctx: AppContext, author: Author, input: { userId: string; reason: string }) {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const user = await lockedUserFor(tx, author, input.userId);
    const wasOn = await removeMfa(tx, user.id);
    if (!wasOn) throw new AppError('INVALID_STATE', `${user.email} has no two-factor sign-in to reset.`);
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'mfa.reset',
      resourceType: 'user',
      resourceId: user.id,
      oldValues: { mfa: 'enabled' },
      newValues: { mfa: 'off' },
      reason: input.reason,
    });
  });
}

/** Settings → Compliance: meanings, signature for activation, MFA for everyone. Audited with old and new. */
export async function updateComplianceSettings(
  ctx: AppContext,
  author: Author,
  input: UpdateComplianceSettingsRequest,
) {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const before = await complianceOf(tx, author.orgId, true);
    const after = { ...before, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
    await tx
      .insert(complianceSettings)
      .values({ orgId: author.orgId, ...after, updatedBy: userIdOf(author) })
      .onConflictDoUpdate({
        target: complianceSettings.orgId,
        set: { ...after, updatedBy: userIdOf(author), updatedAt: sql`now()` },
      });
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'compliance.updated',
      resourceType: 'organization',
      resourceId: author.orgId,
      oldValues: before,
      newValues: after,
    });
    return after;
  });
}
