import type { CreateSignatureRequest } from '@cdp/contracts';
import { sessions, signatures, type Tx, userMfa, users } from '@cdp/db';
import { eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import { recordWrongPassword } from '../auth/login.ts';
import { clearPasswordFailures, lockState } from '../auth/login-throttle.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { consumeSecondFactor, TOTP_KEY_PURPOSE } from '../auth/second-factor.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { authorizeStudy } from '../policies/study.ts';
import { complianceOf } from '../repositories/compliance.repo.ts';
import {
  contentSha256,
  loadSignable,
  SIGN_PERMISSION,
  type SignableRecord,
  signableNotFound,
} from '../signatures/signable-records.ts';

export type SignatureRow = typeof signatures.$inferSelect;

function field(path: string, message: string) {
  return { issues: [{ path, message }] };
}

/** The record, visible to the signer and signable in its state, or 404/403/409. */
async function signableFor(
  tx: Tx,
  author: Author,
  input: CreateSignatureRequest,
  dataDir: string,
): Promise<SignableRecord> {
  const record = await loadSignable(tx, author.orgId, input.resourceType, input.resourceId, 'sign', dataDir);
  if (!record) throw signableNotFound(input.resourceType);
  try {
    authorizeStudy(author, SIGN_PERMISSION[input.resourceType], { id: record.studyId });
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') throw signableNotFound(input.resourceType);
    throw error;
  }
  return record;
}

/**
 * An electronic signature (21 CFR 11.50, 11.70, 11.100, 11.200, 11.300). The signer proves who
 * they are again: the first signature of a session with every component (e-mail, password and
 * the TOTP code when they have a second factor), later ones in the same continuous session with
 * the password. A wrong component counts toward the sign-in lock and is audited, and nothing is
 * signed. The signature stores its manifestation (printed name, time and zone, meaning) and the
 * SHA-256 of the record's canonical content, and is one audit event, in one transaction.
 */
export async function signRecord(
  ctx: AppContext,
  author: Author,
  sessionId: string,
  input: CreateSignatureRequest,
): Promise<SignatureRow> {
  if (author.type !== 'user' || !author.id || !sessionId) {
    throw new AppError(
      'FORBIDDEN',
      'An electronic signature is personal: sign in as a person to sign (not with an API key).',
    );
  }
  const userId = author.id;
  const user = { id: userId, orgId: author.orgId };

  // Everything that does not need the password first: 404, 403, 400 and 409 are never counted.
  const state = await ctx.database.tenant(author.orgId, async (tx) => {
    await signableFor(tx, author, input, ctx.config.dataDir);
    const settings = await complianceOf(tx, author.orgId);
    const meaning = settings.signatureMeanings.find((m) => m.toLowerCase() === input.meaning.toLowerCase());
    if (!meaning) {
      throw new AppError(
        'VALIDATION_FAILED',
        `"${input.meaning}" is not one of your organization's signature meanings: ${settings.signatureMeanings.join(', ')}.`,
        field('body.meaning', 'Choose one of the organization’s signature meanings.'),
      );
    }
    const [session] = await tx
      .select({ at: sessions.signatureAuthenticatedAt })
      .from(sessions)
      .where(eq(sessions.id, sessionId));
    const [person] = await tx
      .select({ email: users.email, name: users.name, passwordHash: users.passwordHash })
      .from(users)
      .where(eq(users.id, userId));
    const [mfa] = await tx.select({ status: userMfa.status }).from(userMfa).where(eq(userMfa.userId, userId));
    if (!person) throw new AppError('UNAUTHENTICATED', 'Sign in again.');
    return {
      meaning,
      full: !session?.at,
      person,
      hasTotp: mfa?.status === 'enabled',
      lock: await lockState(tx, userId, author.ip),
    };
  });

  if (state.full && !input.email) {
    throw new AppError(
      'VALIDATION_FAILED',
      'The first signature of a session needs your e-mail address as well as your password.',
      field('body.email', 'Enter your e-mail address.'),
    );
  }
  if (state.full && state.hasTotp && !input.totp) {
    throw new AppError(
      'VALIDATION_FAILED',
      'The first signature of a session needs the code from your authenticator app.',
      field('body.totp', 'Enter the 6-digit code.'),
    );
  }
  const failure = (reason: string) =>
    ctx.database.tenant(author.orgId, (tx) =>
      recordWrongPassword(tx, ctx.config, user, author, 'signature.failed', {
        reason,
        resourceType: input.resourceType,
        resourceId: input.resourceId,
      }),
    );
  if (state.lock.scope) {
    await failure(`locked_${state.lock.scope}`);
    throw new AppError(
      'ACCOUNT_LOCKED',
      'Too many wrong passwords or codes. Try again later, or ask an administrator to unlock your account.',
    );
  }
  const refuse = async (reason: string, path: string, message: string) => {
    const outcome = await failure(reason);
    if (outcome.locked) {
      return new AppError(
        'ACCOUNT_LOCKED',
        'Too many wrong passwords or codes: your account is locked for a while. Nothing was signed.',
      );
    }
    return new AppError('INVALID_CREDENTIALS', `${message} Nothing was signed.`, field(path, message));
  };

  if (!(await verifyPassword(state.person.passwordHash, input.password))) {
    throw await refuse('wrong_password', 'body.password', 'The password is incorrect.');
  }
  if (state.full && input.email?.toLowerCase() !== state.person.email.toLowerCase()) {
    throw await refuse('wrong_email', 'body.email', 'The e-mail is not the signed-in user’s.');
  }
  const totp = state.full && state.hasTotp ? (input.totp ?? '') : null;

  const key = ctx.tokens.deriveKey(TOTP_KEY_PURPOSE);
  const signed = await ctx.database.tenant(author.orgId, async (tx) => {
    if (totp !== null && !(await consumeSecondFactor(tx, key, userId, totp))) return null;
    await clearPasswordFailures(tx, userId, author.ip);
    // Re-read inside the writing transaction: the hash is of the record as it is when signed.
    const record = await signableFor(tx, author, input, ctx.config.dataDir);
    const [row] = await tx
      .insert(signatures)
      .values({
        orgId: author.orgId,
        studyId: record.studyId,
        resourceType: input.resourceType,
        resourceId: input.resourceId,
        resourceLabel: record.label,
        userId,
        signerName: state.person.name,
        signerEmail: state.person.email,
        meaning: state.meaning,
        reason: input.reason || null,
        contentSha256: contentSha256(record),
        authentication: state.full ? 'full' : 'password',
        sessionId,
        timeZone: input.timeZone ?? 'UTC',
      })
      .returning();
    if (!row) throw new Error('signature insert returned nothing');
    if (state.full) {
      await tx.update(sessions).set({ signatureAuthenticatedAt: sql`now()` }).where(eq(sessions.id, sessionId));
    }
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'signature.signed',
      resourceType: 'signature',
      resourceId: row.id,
      resourceLabel: `${record.label}: ${row.meaning} by ${row.signerName}`,
      newValues: {
        resourceType: row.resourceType,
        resourceId: row.resourceId,
        studyId: row.studyId,
        meaning: row.meaning,
        signerName: row.signerName,
        signedAt: row.signedAt,
        timeZone: row.timeZone,
        contentSha256: row.contentSha256,
        authentication: row.authentication,
      },
      reason: row.reason,
    });
    return row;
  });
  if (!signed) throw await refuse('wrong_code', 'body.totp', 'The code is incorrect, or was already used.');
  return signed;
}
