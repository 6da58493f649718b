import { SIGNABLE_RESOURCE_TYPES, type SignableResourceType } from '@cdp/contracts';
import { sessions, signatures, type Tx, userMfa } from '@cdp/db';
import { and, asc, desc, eq } from 'drizzle-orm';
import type { Actor } from '../auth/actor.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { complianceOf } from '../repositories/compliance.repo.ts';
import { contentSha256, loadSignable, SIGN_PERMISSION, signableNotFound } from '../signatures/signable-records.ts';
import { can } from './can.ts';
import { canSeeStudy } from './study.ts';

export type SignatureRow = typeof signatures.$inferSelect;

/** `type:id` of the list query; the id may itself hold a colon (`dashboard_version:<id>:3`). */
export function parseResource(resource: string): { type: SignableResourceType; id: string } {
  const at = resource.indexOf(':');
  const type = resource.slice(0, at);
  const id = resource.slice(at + 1);
  if (at < 1 || !id || !(SIGNABLE_RESOURCE_TYPES as readonly string[]).includes(type)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `resource must be <type>:<id> with type one of ${SIGNABLE_RESOURCE_TYPES.join(', ')}.`,
      { issues: [{ path: 'querystring.resource', message: 'Expected <type>:<id>.' }] },
    );
  }
  return { type: type as SignableResourceType, id };
}

function mayRead(actor: Actor, type: SignableResourceType, studyId: string | null): boolean {
  return studyId !== null && canSeeStudy(actor, studyId) && can(actor, SIGN_PERMISSION[type], studyId);
}

/** The organization's latest signatures on records the actor may see, newest first. */
async function latestSignatures(ctx: AppContext, actor: Actor): Promise<SignatureRow[]> {
  return ctx.database.tenant(actor.orgId, async (tx) => {
    const rows = await tx
      .select()
      .from(signatures)
      .where(eq(signatures.orgId, actor.orgId))
      .orderBy(desc(signatures.signedAt))
      .limit(1000);
    return rows.filter((row) => mayRead(actor, row.resourceType as SignableResourceType, row.studyId)).slice(0, 200);
  });
}

/** The signatures of one record the actor may see, oldest first; 404 for a record they cannot see. */
export async function signaturesOf(
  ctx: AppContext,
  actor: Actor,
  resource: string | undefined,
): Promise<SignatureRow[]> {
  if (resource === undefined) return latestSignatures(ctx, actor);
  const { type, id } = parseResource(resource);
  return ctx.database.tenant(actor.orgId, async (tx) => {
    const record = await loadSignable(tx, actor.orgId, type, id, 'read', ctx.config.dataDir);
    const rows = await tx
      .select()
      .from(signatures)
      .where(and(eq(signatures.orgId, actor.orgId), eq(signatures.resourceType, type), eq(signatures.resourceId, id)))
      .orderBy(asc(signatures.signedAt));
    const studyId = record?.studyId ?? rows[0]?.studyId ?? null;
    if (!mayRead(actor, type, studyId)) throw signableNotFound(type);
    return rows;
  });
}

async function signatureIn(tx: Tx, actor: Actor, id: string): Promise<SignatureRow> {
  const [row] = await tx
    .select()
    .from(signatures)
    .where(and(eq(signatures.orgId, actor.orgId), eq(signatures.id, id)));
  if (!row || !mayRead(actor, row.resourceType as SignableResourceType, row.studyId)) throw notFound('Signature');
  return row;
}

/** Recomputes the record's hash: "valid", or "changed" when the record no longer hashes as signed (or is gone). */
export async function verifySignature(ctx: AppContext, actor: Actor, id: string) {
  return ctx.database.tenant(actor.orgId, async (tx) => {
    const signature = await signatureIn(tx, actor, id);
    const record = await loadSignable(
      tx,
      actor.orgId,
      signature.resourceType as SignableResourceType,
      signature.resourceId,
      'read',
      ctx.config.dataDir,
    );
    const current = record ? contentSha256(record) : null;
    const valid = current === signature.contentSha256;
    return {
      signatureId: signature.id,
      status: valid ? ('valid' as const) : ('changed' as const),
      message: valid ? 'valid' : 'the record changed after it was signed',
      signedSha256: signature.contentSha256,
      currentSha256: current,
    };
  });
}

/** What the signature dialog must ask for next: every component, or the password only. */
export async function signingStatus(ctx: AppContext, actor: Actor) {
  return ctx.database.tenant(actor.orgId, async (tx) => {
    // An API key has no session and cannot sign; it is told every component would be needed.
    const [session] = actor.sessionId
      ? await tx
          .select({ at: sessions.signatureAuthenticatedAt })
          .from(sessions)
          .where(eq(sessions.id, actor.sessionId))
      : [];
    const [mfa] = await tx.select({ status: userMfa.status }).from(userMfa).where(eq(userMfa.userId, actor.userId));
    const full = !session?.at;
    return {
      needsEmail: full,
      needsTotp: full && mfa?.status === 'enabled',
      meanings: (await complianceOf(tx, actor.orgId)).signatureMeanings,
    };
  });
}

/**
 * Activation when the organization requires a signature: a signature of this version by this
 * user, made in the last ten minutes (the dialog signs, then activates), still valid.
 */
export const ACTIVATION_SIGNATURE_MINUTES = 10;
export async function activationSignatureOk(
  tx: Tx,
  author: { orgId: string; id: string | null },
  versionId: string,
  signatureId: string | undefined,
): Promise<'not_required' | 'ok' | 'missing'> {
  if (!(await complianceOf(tx, author.orgId)).requireSignatureForActivation) return 'not_required';
  if (!signatureId || !author.id) return 'missing';
  const [row] = await tx
    .select()
    .from(signatures)
    .where(and(eq(signatures.orgId, author.orgId), eq(signatures.id, signatureId)));
  if (row?.resourceType !== 'data_version' || row.resourceId !== versionId || row.userId !== author.id) {
    return 'missing';
  }
  if (Date.now() - new Date(row.signedAt).getTime() > ACTIVATION_SIGNATURE_MINUTES * 60_000) return 'missing';
  const record = await loadSignable(tx, author.orgId, 'data_version', versionId);
  return record && contentSha256(record) === row.contentSha256 ? 'ok' : 'missing';
}
