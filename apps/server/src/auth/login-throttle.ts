import { loginThrottles, type Tx, users } from '@cdp/db';
import { and, eq, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';

/**
 * Wrong passwords are counted twice: per account and client address, and per account. The first
 * locks the account for that address after `loginMaxFailures` (5); the second locks it everywhere
 * only after `loginAccountMaxFailures` (25), a guess rate no single address reaches. So a stranger
 * who knows an e-mail can no longer lock its owner out with five requests, and a distributed guess
 * still stops. Sign-in and every re-authentication (change password, later e-signatures) count
 * toward the same locks.
 */

export interface LockState {
  lockedUntil: Date | null;
  /** Which lock holds: this address's, or the whole account's. */
  scope: 'address' | 'account' | null;
}

type ThrottleConfig = Pick<Config, 'loginMaxFailures' | 'loginAccountMaxFailures' | 'loginLockoutMinutes'>;

/** Addresses are unknown in a few test and proxy setups; they then share one counter. */
function addressOf(ip: string | null): string {
  return ip ?? 'unknown';
}

export async function lockState(tx: Tx, userId: string, ip: string | null): Promise<LockState> {
  const { rows } = await tx.execute<{ account: string | null; address: string | null }>(sql`
    select (select locked_until from users where id = ${userId} and locked_until > now()) as account,
           (select locked_until from login_throttles
             where user_id = ${userId} and ip = ${addressOf(ip)} and locked_until > now()) as address`);
  const row = rows[0];
  if (row?.account) return { lockedUntil: new Date(row.account), scope: 'account' };
  if (row?.address) return { lockedUntil: new Date(row.address), scope: 'address' };
  return { lockedUntil: null, scope: null };
}

export interface FailureOutcome {
  addressFailures: number;
  accountFailures: number;
  /** Set when this failure started a lock. */
  locked: LockState | null;
}

/** Counts one wrong password; locks when a threshold is reached. Inside the user's tenant transaction. */
export async function recordPasswordFailure(
  tx: Tx,
  config: ThrottleConfig,
  user: { id: string; orgId: string },
  ip: string | null,
): Promise<FailureOutcome> {
  const lockout = sql`now() + make_interval(mins => ${config.loginLockoutMinutes})`;
  const [address] = await tx
    .insert(loginThrottles)
    .values({ userId: user.id, orgId: user.orgId, ip: addressOf(ip), failures: 1 })
    .onConflictDoUpdate({
      target: [loginThrottles.userId, loginThrottles.ip],
      set: { failures: sql`${loginThrottles.failures} + 1`, updatedAt: sql`now()` },
    })
    .returning({ failures: loginThrottles.failures });
  const [account] = await tx
    .update(users)
    .set({ failedLoginCount: sql`${users.failedLoginCount} + 1` })
    .where(eq(users.id, user.id))
    .returning({ failures: users.failedLoginCount });
  const addressFailures = address?.failures ?? 0;
  const accountFailures = account?.failures ?? 0;

  if (accountFailures >= config.loginAccountMaxFailures) {
    const [row] = await tx
      .update(users)
      .set({ failedLoginCount: 0, lockedUntil: lockout })
      .where(eq(users.id, user.id))
      .returning({ lockedUntil: users.lockedUntil });
    return { addressFailures, accountFailures, locked: { lockedUntil: row?.lockedUntil ?? null, scope: 'account' } };
  }
  if (addressFailures >= config.loginMaxFailures) {
    const [row] = await tx
      .update(loginThrottles)
      .set({ failures: 0, lockedUntil: lockout })
      .where(and(eq(loginThrottles.userId, user.id), eq(loginThrottles.ip, addressOf(ip))))
      .returning({ lockedUntil: loginThrottles.lockedUntil });
    return { addressFailures, accountFailures, locked: { lockedUntil: row?.lockedUntil ?? null, scope: 'address' } };
  }
  return { addressFailures, accountFailures, locked: null };
}

/** The right password: this address's count and the account's count start again. */
export async function clearPasswordFailures(tx: Tx, userId: string, ip: string | null): Promise<void> {
  await tx.delete(loginThrottles).where(and(eq(loginThrottles.userId, userId), eq(loginThrottles.ip, addressOf(ip))));
  await tx.update(users).set({ failedLoginCount: 0 }).where(eq(users.id, userId));
}

/** An administrator's unlock lifts every lock of the account, from every address. */
export async function clearAllLocks(tx: Tx, userId: string): Promise<void> {
  await tx.delete(loginThrottles).where(eq(loginThrottles.userId, userId));
}
