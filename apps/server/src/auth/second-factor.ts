import { mfaRecoveryCodes, type Tx, userMfa } from '@cdp/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { hashPassword, verifyPassword } from './passwords.ts';
import { openSecret, sealSecret } from './secret-box.ts';
import { acceptTotp, newRecoveryCodes, newTotpSecret, normalizeRecoveryCode } from './totp.ts';

/** The purpose the TOTP secrets' encryption key is derived for (AccessTokens.deriveKey). */
export const TOTP_KEY_PURPOSE = 'totp-secret';

export interface MfaRecord {
  enabled: boolean;
  recoveryCodesLeft: number;
}

export async function mfaOf(tx: Tx, userId: string): Promise<MfaRecord> {
  const [row] = await tx.select({ status: userMfa.status }).from(userMfa).where(eq(userMfa.userId, userId));
  const [left] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(mfaRecoveryCodes)
    .where(and(eq(mfaRecoveryCodes.userId, userId), isNull(mfaRecoveryCodes.usedAt)));
  return { enabled: row?.status === 'enabled', recoveryCodesLeft: row?.status === 'enabled' ? (left?.n ?? 0) : 0 };
}

/**
 * Checks a second factor and uses it up, inside the user's tenant transaction: a TOTP code whose
 * time step is after the last accepted one (the step is stored, so the same code is refused
 * within its window), or an unused recovery code (marked used). The MFA row is locked first, so
 * two requests with one code cannot both pass.
 */
export async function consumeSecondFactor(
  tx: Tx,
  key: Buffer,
  userId: string,
  code: string,
): Promise<'totp' | 'recovery' | null> {
  const [row] = await tx.select().from(userMfa).where(eq(userMfa.userId, userId)).for('update');
  if (row?.status !== 'enabled') return null;
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    const step = acceptTotp(openSecret(key, TOTP_KEY_PURPOSE, row.secretEncrypted), trimmed, row.lastStep);
    if (step === null) return null;
    await tx.update(userMfa).set({ lastStep: step }).where(eq(userMfa.userId, userId));
    return 'totp';
  }
  const recovery = normalizeRecoveryCode(trimmed);
  if (!recovery) return null;
  const unused = await tx
    .select({ id: mfaRecoveryCodes.id, codeHash: mfaRecoveryCodes.codeHash })
    .from(mfaRecoveryCodes)
    .where(and(eq(mfaRecoveryCodes.userId, userId), isNull(mfaRecoveryCodes.usedAt)));
  for (const candidate of unused) {
    if (await verifyPassword(candidate.codeHash, recovery)) {
      await tx.update(mfaRecoveryCodes).set({ usedAt: sql`now()` }).where(eq(mfaRecoveryCodes.id, candidate.id));
      return 'recovery';
    }
  }
  return null;
}

/** A new secret, pending until a code confirms it; replaces an earlier pending one. */
export async function beginEnrolment(
  tx: Tx,
  key: Buffer,
  user: { id: string; orgId: string },
): Promise<{ secret: string } | { alreadyEnabled: true }> {
  const [row] = await tx.select({ status: userMfa.status }).from(userMfa).where(eq(userMfa.userId, user.id));
  if (row?.status === 'enabled') return { alreadyEnabled: true };
  const secret = newTotpSecret();
  const sealed = sealSecret(key, TOTP_KEY_PURPOSE, secret);
  await tx
    .insert(userMfa)
    .values({ userId: user.id, orgId: user.orgId, secretEncrypted: sealed, status: 'pending' })
    .onConflictDoUpdate({
      target: userMfa.userId,
      set: { secretEncrypted: sealed, status: 'pending', lastStep: null, createdAt: sql`now()` },
    });
  return { secret };
}

/**
 * The first code from the app confirms the pending secret: the factor is on, and ten recovery
 * codes are made (argon2-hashed; the plain codes are returned once, to be shown once).
 */
export async function confirmEnrolment(
  tx: Tx,
  key: Buffer,
  user: { id: string; orgId: string },
  code: string,
): Promise<string[] | null> {
  const [row] = await tx.select().from(userMfa).where(eq(userMfa.userId, user.id)).for('update');
  if (row?.status !== 'pending') return null;
  const step = acceptTotp(openSecret(key, TOTP_KEY_PURPOSE, row.secretEncrypted), code, row.lastStep);
  if (step === null) return null;
  await tx
    .update(userMfa)
    .set({ status: 'enabled', lastStep: step, enabledAt: sql`now()` })
    .where(eq(userMfa.userId, user.id));
  const codes = newRecoveryCodes();
  await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, user.id));
  const hashes = await Promise.all(codes.map((c) => hashPassword(c)));
  await tx
    .insert(mfaRecoveryCodes)
    .values(hashes.map((codeHash) => ({ orgId: user.orgId, userId: user.id, codeHash })));
  return codes;
}

/** Turns the factor off: the secret and every recovery code are gone. */
export async function removeMfa(tx: Tx, userId: string): Promise<boolean> {
  const removed = await tx.delete(userMfa).where(eq(userMfa.userId, userId)).returning({ status: userMfa.status });
  await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
  return removed.some((r) => r.status === 'enabled');
}
