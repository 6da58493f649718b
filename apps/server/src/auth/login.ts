import type { LoginRequest, MfaChallengeResponse } from '@cdp/contracts';
import { organizations, type Tx, users } from '@cdp/db';
import { eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import type { Config } from '../config.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import type { AuditAuthor, Origin } from './author.ts';
import { clearPasswordFailures, type FailureOutcome, lockState, recordPasswordFailure } from './login-throttle.ts';
import { issueChallenge, secondStepFor } from './mfa-challenge.ts';
import { dummyPasswordHash, verifyPassword } from './passwords.ts';
import { startSession } from './sessions.ts';

export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string; name: string; orgId: string; mustChangePassword: boolean };
}

/** Who a session is opened for. */
export type SessionCandidate = Pick<Candidate, 'id' | 'orgId' | 'email' | 'name' | 'mustChangePassword'>;

interface Candidate {
  id: string;
  orgId: string;
  email: string;
  name: string;
  passwordHash: string;
  status: string;
  orgStatus: string;
  mustChangePassword: boolean;
}

const INVALID = 'E-mail or password is incorrect.';

/**
 * E-mail + password login (21 CFR 11.300): every success, failure and lockout is audited in the
 * user's organization; failures for unknown e-mails go to the platform's own trail. The password
 * is verified outside any transaction so slow hashing never holds a database connection.
 */
export async function login(
  ctx: AppContext,
  input: LoginRequest,
  origin: Origin,
): Promise<LoginResult | MfaChallengeResponse> {
  const { config, database } = ctx;
  const candidate = await database.system(async (tx) => findCandidate(tx, input.email));

  if (!candidate) {
    await verifyPassword(await dummyPasswordHash(), input.password);
    await database.system(async (tx) => {
      const platform = await platformOrgId(tx);
      await appendAudit(tx, {
        orgId: platform,
        author: { type: 'user', id: null, label: input.email, ...origin },
        action: 'auth.login_failed',
        resourceType: 'user',
        resourceId: null,
        newValues: { email: input.email, reason: 'unknown_email' },
      });
    });
    throw invalidCredentials(config);
  }

  const actor = { type: 'user' as const, id: candidate.id, label: candidate.email };
  const author: AuditAuthor = { ...actor, ...origin };
  const failure = async (reason: string) =>
    database.tenant(candidate.orgId, (tx) =>
      appendAudit(tx, {
        orgId: candidate.orgId,
        author,
        action: 'auth.login_failed',
        resourceType: 'user',
        resourceId: candidate.id,
        newValues: { reason },
      }),
    );

  const lock = await database.tenant(candidate.orgId, (tx) => lockState(tx, candidate.id, origin.ip));
  if (lock.scope) {
    // Locked answers exactly like a wrong password, in the same time: nobody learns from a
    // lockout that an account exists, and a locked account is no oracle for the right password.
    await verifyPassword(await dummyPasswordHash(), input.password);
    await failure(`locked_${lock.scope}`);
    throw invalidCredentials(config).withSecurity({
      orgId: candidate.orgId,
      kind: 'login_locked',
      actor,
      resourceType: 'user',
      resourceId: candidate.id,
      detail: { scope: lock.scope },
    });
  }

  const passwordOk = await verifyPassword(candidate.passwordHash, input.password);
  if (!passwordOk) {
    const outcome = await database.tenant(candidate.orgId, (tx) =>
      recordWrongPassword(tx, config, candidate, author, 'auth.login_failed'),
    );
    const error = invalidCredentials(config);
    if (outcome.locked) {
      error.withSecurity({
        orgId: candidate.orgId,
        kind: 'login_locked',
        actor,
        resourceType: 'user',
        resourceId: candidate.id,
        detail: { scope: outcome.locked.scope, started: true },
      });
    }
    throw error;
  }

  // Only someone who knows the password learns that the account is deactivated.
  if (candidate.status !== 'active' || candidate.orgStatus !== 'active') {
    await failure(candidate.status !== 'active' ? 'user_deactivated' : 'organization_deactivated');
    throw new AppError('ACCOUNT_DISABLED', 'This account has been deactivated. Contact your administrator.');
  }

  // A second factor, or its enrolment when the organization requires one, comes before any session.
  const step = await secondStepFor(ctx, candidate);
  // The counters are not cleared until the second factor passes too: someone who knows the
  // password must not reset the lock between guesses of the code.
  if (step) return issueChallenge(ctx, candidate, step);
  return openSession(ctx, candidate, origin);
}

/**
 * The right password (and second factor, when there is one): a session starts, with its audit
 * event and access token.
 */
export async function openSession(
  ctx: AppContext,
  candidate: SessionCandidate,
  origin: Origin,
  via: Record<string, unknown> = {},
): Promise<LoginResult> {
  const author: AuditAuthor = { type: 'user', id: candidate.id, label: candidate.email, ...origin };
  const { sessionId, refreshToken } = await ctx.database.tenant(candidate.orgId, async (tx) => {
    await clearPasswordFailures(tx, candidate.id, origin.ip);
    await tx.update(users).set({ lastLoginAt: sql`now()` }).where(eq(users.id, candidate.id));
    const session = await startSession(tx, candidate, ctx.config.sessionMaxHours, origin);
    await appendAudit(tx, {
      orgId: candidate.orgId,
      author,
      action: 'auth.login',
      resourceType: 'session',
      resourceId: session.sessionId,
      newValues: { userId: candidate.id, mustChangePassword: candidate.mustChangePassword, ...via },
    });
    return session;
  });

  const accessToken = await ctx.tokens.sign({
    userId: candidate.id,
    orgId: candidate.orgId,
    sessionId,
  });
  return {
    accessToken,
    refreshToken,
    user: {
      id: candidate.id,
      email: candidate.email,
      name: candidate.name,
      orgId: candidate.orgId,
      mustChangePassword: candidate.mustChangePassword,
    },
  };
}

/** One answer for a wrong password, an unknown e-mail and a locked account alike. */
export function invalidCredentials(config: Pick<Config, 'loginMaxFailures' | 'loginLockoutMinutes'>): AppError {
  return new AppError(
    'INVALID_CREDENTIALS',
    `${INVALID} After ${config.loginMaxFailures} failed attempts, sign-in from this address pauses for ` +
      `${config.loginLockoutMinutes} minutes.`,
  );
}

/**
 * Counts a wrong password (sign-in or re-authentication) toward the locks and audits it, and the
 * lock it starts, in the user's organization. Inside the user's tenant transaction.
 */
export async function recordWrongPassword(
  tx: Tx,
  config: Config,
  user: { id: string; orgId: string },
  author: AuditAuthor,
  action: 'auth.login_failed' | 'auth.reauth_failed' | 'signature.failed' | 'mfa.code_failed',
  extra: Record<string, unknown> = {},
): Promise<FailureOutcome> {
  const outcome = await recordPasswordFailure(tx, config, user, author.ip);
  await appendAudit(tx, {
    orgId: user.orgId,
    author,
    action,
    resourceType: 'user',
    resourceId: user.id,
    newValues: {
      reason: 'wrong_password',
      ...extra,
      consecutiveFailures: outcome.addressFailures,
      accountFailures: outcome.accountFailures,
    },
  });
  if (outcome.locked) {
    await appendAudit(tx, {
      orgId: user.orgId,
      author,
      action: 'auth.lockout',
      resourceType: 'user',
      resourceId: user.id,
      newValues: {
        lockedUntil: outcome.locked.lockedUntil,
        scope: outcome.locked.scope,
        afterFailures: outcome.locked.scope === 'account' ? outcome.accountFailures : outcome.addressFailures,
      },
    });
  }
  return outcome;
}

async function findCandidate(tx: Tx, email: string): Promise<Candidate | null> {
  const rows = await tx
    .select({
      id: users.id,
      orgId: users.orgId,
      email: users.email,
      name: users.name,
      passwordHash: users.passwordHash,
      status: users.status,
      orgStatus: organizations.status,
      mustChangePassword: users.mustChangePassword,
    })
    .from(users)
    .innerJoin(organizations, eq(organizations.id, users.orgId))
    .where(sql`lower(${users.email}) = lower(${email})`)
    .limit(1);
  return rows[0] ?? null;
}

/** The organization platform administrators belong to; it holds platform-level security events. */
export async function platformOrgId(tx: Tx): Promise<string> {
  const [row] = await tx
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.kind, 'platform'))
    .limit(1);
  if (!row) throw new Error('The platform organization is missing: run `cdp seed`.');
  return row.id;
}
