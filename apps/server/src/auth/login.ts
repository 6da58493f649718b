import type { LoginRequest } from '@cdp/contracts';
import { organizations, type Tx, users } from '@cdp/db';
import { eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import type { Origin } from './author.ts';
import { dummyPasswordHash, verifyPassword } from './passwords.ts';
import { startSession } from './sessions.ts';

export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string; name: string; orgId: string; mustChangePassword: boolean };
}

interface Candidate {
  id: string;
  orgId: string;
  email: string;
  name: string;
  passwordHash: string;
  status: string;
  orgStatus: string;
  mustChangePassword: boolean;
  locked: boolean;
  lockedUntil: Date | null;
}

const INVALID = 'E-mail or password is incorrect.';

/**
 * E-mail + password login (21 CFR 11.300): every success, failure and lockout is audited in the
 * user's organization; failures for unknown e-mails go to the platform's own trail. The password
 * is verified outside any transaction so slow hashing never holds a database connection.
 */
export async function login(ctx: AppContext, input: LoginRequest, origin: Origin): Promise<LoginResult> {
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
    throw new AppError('INVALID_CREDENTIALS', INVALID);
  }

  const author = { type: 'user' as const, id: candidate.id, label: candidate.email, ...origin };
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

  if (candidate.locked) {
    await failure('locked');
    throw lockedError(candidate.lockedUntil);
  }

  const passwordOk = await verifyPassword(candidate.passwordHash, input.password);
  if (!passwordOk) {
    const lockedUntil = await database.tenant(candidate.orgId, async (tx) => {
      const [row] = await tx
        .update(users)
        .set({ failedLoginCount: sql`${users.failedLoginCount} + 1` })
        .where(eq(users.id, candidate.id))
        .returning({ failures: users.failedLoginCount });
      const failures = row?.failures ?? 0;
      await appendAudit(tx, {
        orgId: candidate.orgId,
        author,
        action: 'auth.login_failed',
        resourceType: 'user',
        resourceId: candidate.id,
        newValues: { reason: 'wrong_password', consecutiveFailures: failures },
      });
      if (failures < config.loginMaxFailures) return null;
      const [locked] = await tx
        .update(users)
        .set({
          failedLoginCount: 0,
          lockedUntil: sql`now() + make_interval(mins => ${config.loginLockoutMinutes})`,
        })
        .where(eq(users.id, candidate.id))
        .returning({ lockedUntil: users.lockedUntil });
      await appendAudit(tx, {
        orgId: candidate.orgId,
        author,
        action: 'auth.lockout',
        resourceType: 'user',
        resourceId: candidate.id,
        newValues: { lockedUntil: locked?.lockedUntil, afterFailures: failures },
      });
      return locked?.lockedUntil ?? null;
    });
    if (lockedUntil) throw lockedError(lockedUntil);
    throw new AppError('INVALID_CREDENTIALS', INVALID);
  }

  // Only someone who knows the password learns that the account is deactivated.
  if (candidate.status !== 'active' || candidate.orgStatus !== 'active') {
    await failure(candidate.status !== 'active' ? 'user_deactivated' : 'organization_deactivated');
    throw new AppError('ACCOUNT_DISABLED', 'This account has been deactivated. Contact your administrator.');
  }

  const { sessionId, refreshToken } = await database.tenant(candidate.orgId, async (tx) => {
    await tx
      .update(users)
      .set({ failedLoginCount: 0, lockedUntil: null, lastLoginAt: sql`now()` })
      .where(eq(users.id, candidate.id));
    const session = await startSession(tx, candidate, config.sessionMaxHours, origin);
    await appendAudit(tx, {
      orgId: candidate.orgId,
      author,
      action: 'auth.login',
      resourceType: 'session',
      resourceId: session.sessionId,
      newValues: { userId: candidate.id, mustChangePassword: candidate.mustChangePassword },
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

function lockedError(lockedUntil: Date | null): AppError {
  const until = lockedUntil ? new Date(lockedUntil) : null;
  const minutes = until ? Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000)) : null;
  return new AppError(
    'ACCOUNT_LOCKED',
    minutes
      ? `Too many failed sign-in attempts. The account is locked for ${minutes} more minute${minutes === 1 ? '' : 's'}.`
      : 'Too many failed sign-in attempts. The account is locked.',
    { lockedUntil: until?.toISOString() ?? null },
  );
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
      locked: sql<boolean>`coalesce(${users.lockedUntil} > now(), false)`,
      lockedUntil: users.lockedUntil,
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
