import { createHash, randomBytes } from 'node:crypto';
import type { MfaChallengeResponse } from '@cdp/contracts';
import { mfaChallenges, organizations, userMfa, users } from '@cdp/db';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { complianceOf } from '../repositories/compliance.repo.ts';
import type { AuditAuthor, Origin } from './author.ts';
import {
  invalidCredentials,
  type LoginResult,
  openSession,
  recordWrongPassword,
  type SessionCandidate,
} from './login.ts';
import { lockState } from './login-throttle.ts';
import { beginEnrolment, confirmEnrolment, consumeSecondFactor, TOTP_KEY_PURPOSE } from './second-factor.ts';
import { otpauthUrl, qrDataUrl } from './totp.ts';

/** Long enough to open an authenticator app (or to enrol one), short enough to be useless stolen. */
const CHALLENGE_SECONDS = 600;
/** Wrong codes one challenge takes before the password must be typed again. */
const CHALLENGE_ATTEMPTS = 5;

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/** What follows a right password: the code of an enrolled factor, an enrolment the organization demands, or nothing. */
export async function secondStepFor(
  ctx: AppContext,
  user: { id: string; orgId: string },
): Promise<'verify' | 'enrol' | null> {
  return ctx.database.tenant(user.orgId, async (tx) => {
    const [row] = await tx.select({ status: userMfa.status }).from(userMfa).where(eq(userMfa.userId, user.id));
    if (row?.status === 'enabled') return 'verify';
    return (await complianceOf(tx, user.orgId)).requireMfa ? 'enrol' : null;
  });
}

export async function issueChallenge(
  ctx: AppContext,
  user: { id: string; orgId: string },
  purpose: 'verify' | 'enrol',
): Promise<MfaChallengeResponse> {
  const token = randomBytes(32).toString('base64url');
  await ctx.database.tenant(user.orgId, (tx) =>
    tx.insert(mfaChallenges).values({
      orgId: user.orgId,
      userId: user.id,
      tokenHash: sha256(token),
      purpose,
      expiresAt: sql`now() + make_interval(secs => ${CHALLENGE_SECONDS})`,
    }),
  );
  return { mfa: purpose, challenge: token, expiresIn: CHALLENGE_SECONDS };
}

interface OpenChallenge extends SessionCandidate {
  challengeId: string;
  purpose: 'verify' | 'enrol';
  attempts: number;
}

/** The challenge by its token (found before the tenant is known, so in a system transaction). */
async function openChallenge(ctx: AppContext, token: string, purpose: 'verify' | 'enrol'): Promise<OpenChallenge> {
  const row = await ctx.database.system(async (tx) => {
    const [found] = await tx
      .select({
        challengeId: mfaChallenges.id,
        purpose: mfaChallenges.purpose,
        attempts: mfaChallenges.attempts,
        id: users.id,
        orgId: users.orgId,
        email: users.email,
        name: users.name,
        mustChangePassword: users.mustChangePassword,
        status: users.status,
        orgStatus: organizations.status,
      })
      .from(mfaChallenges)
      .innerJoin(users, eq(users.id, mfaChallenges.userId))
      .innerJoin(organizations, eq(organizations.id, users.orgId))
      .where(
        and(
          eq(mfaChallenges.tokenHash, sha256(token)),
          isNull(mfaChallenges.usedAt),
          gt(mfaChallenges.expiresAt, sql`now()`),
        ),
      );
    return found;
  });
  if (!row || row.purpose !== purpose || row.attempts >= CHALLENGE_ATTEMPTS) {
    throw new AppError('UNAUTHENTICATED', 'This sign-in step has expired. Sign in again with your password.');
  }
  if (row.status !== 'active' || row.orgStatus !== 'active') {
    throw new AppError('ACCOUNT_DISABLED', 'This account has been deactivated. Contact your administrator.');
  }
  return row;
}

/** A wrong code: the challenge loses an attempt, the account's lock counters count it, the trail says so. */
async function wrongCode(ctx: AppContext, challenge: OpenChallenge, origin: Origin): Promise<AppError> {
  const author: AuditAuthor = { type: 'user', id: challenge.id, label: challenge.email, ...origin };
  const outcome = await ctx.database.tenant(challenge.orgId, async (tx) => {
    await tx
      .update(mfaChallenges)
      .set({ attempts: sql`${mfaChallenges.attempts} + 1` })
      .where(eq(mfaChallenges.id, challenge.challengeId));
    return recordWrongPassword(tx, ctx.config, challenge, author, 'mfa.code_failed', {
      reason: 'wrong_code',
      step: challenge.purpose,
    });
  });
  if (outcome.locked) return invalidCredentials(ctx.config);
  return new AppError('INVALID_CREDENTIALS', 'The code is incorrect, or was already used. Enter the current code.', {
    issues: [{ path: 'body.code', message: 'The code is incorrect, or was already used.' }],
  });
}

async function assertUnlocked(ctx: AppContext, challenge: OpenChallenge, origin: Origin): Promise<void> {
  const lock = await ctx.database.tenant(challenge.orgId, (tx) => lockState(tx, challenge.id, origin.ip));
  if (lock.scope) throw invalidCredentials(ctx.config);
}

async function closeChallenge(ctx: AppContext, challenge: OpenChallenge): Promise<void> {
  await ctx.database.tenant(challenge.orgId, (tx) =>
    tx.update(mfaChallenges).set({ usedAt: sql`now()` }).where(eq(mfaChallenges.id, challenge.challengeId)),
  );
}

/** Sign-in, second step: a TOTP code or a recovery code completes the sign-in. */
export async function completeMfaLogin(
  ctx: AppContext,
  input: { challenge: string; code: string },
  origin: Origin,
): Promise<LoginResult> {
  const challenge = await openChallenge(ctx, input.challenge, 'verify');
  await assertUnlocked(ctx, challenge, origin);
  const key = ctx.tokens.deriveKey(TOTP_KEY_PURPOSE);
  const used = await ctx.database.tenant(challenge.orgId, async (tx) => {
    const kind = await consumeSecondFactor(tx, key, challenge.id, input.code);
    if (kind === 'recovery') {
      await appendAudit(tx, {
        orgId: challenge.orgId,
        author: { type: 'user', id: challenge.id, label: challenge.email, ...origin },
        action: 'mfa.recovery_code_used',
        resourceType: 'user',
        resourceId: challenge.id,
      });
    }
    return kind;
  });
  if (!used) throw await wrongCode(ctx, challenge, origin);
  await closeChallenge(ctx, challenge);
  return openSession(ctx, challenge, origin, { secondFactor: used });
}

/** Sign-in when the organization requires a second factor the user has not set up: a new secret to scan. */
export async function startChallengeEnrolment(ctx: AppContext, input: { challenge: string }) {
  const challenge = await openChallenge(ctx, input.challenge, 'enrol');
  const key = ctx.tokens.deriveKey(TOTP_KEY_PURPOSE);
  const begun = await ctx.database.tenant(challenge.orgId, (tx) => beginEnrolment(tx, key, challenge));
  if ('alreadyEnabled' in begun)
    throw new AppError('INVALID_STATE', 'Two-factor sign-in is already on. Sign in again.');
  const url = otpauthUrl(challenge.email, begun.secret);
  return { secret: begun.secret, otpauthUrl: url, qrDataUrl: await qrDataUrl(url) };
}

/** The first code confirms the enrolment and opens the session; the recovery codes come back once. */
export async function confirmChallengeEnrolment(
  ctx: AppContext,
  input: { challenge: string; code: string },
  origin: Origin,
): Promise<LoginResult & { recoveryCodes: string[] }> {
  const challenge = await openChallenge(ctx, input.challenge, 'enrol');
  await assertUnlocked(ctx, challenge, origin);
  const key = ctx.tokens.deriveKey(TOTP_KEY_PURPOSE);
  const codes = await ctx.database.tenant(challenge.orgId, async (tx) => {
    const made = await confirmEnrolment(tx, key, challenge, input.code);
    if (made) {
      await appendAudit(tx, {
        orgId: challenge.orgId,
        author: { type: 'user', id: challenge.id, label: challenge.email, ...origin },
        action: 'mfa.enrolled',
        resourceType: 'user',
        resourceId: challenge.id,
        newValues: { at: 'sign-in', requiredByOrganization: true },
      });
    }
    return made;
  });
  if (!codes) throw await wrongCode(ctx, challenge, origin);
  await closeChallenge(ctx, challenge);
  return { ...(await openSession(ctx, challenge, origin, { secondFactor: 'enrolled' })), recoveryCodes: codes };
}
