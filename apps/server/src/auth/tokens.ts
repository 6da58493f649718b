import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../lib/app-error.ts';

const ISSUER = 'cdp';
const AUDIENCE = 'cdp-api';

export interface AccessClaims {
  userId: string;
  orgId: string;
  sessionId: string;
}

/** Verified tokens kept, at most (the oldest forgotten first). */
const VERIFIED_LIMIT = 10_000;

export class AccessTokens {
  private readonly key: Uint8Array;
  /**
   * Tokens already verified, with their claims and expiry. A token's bytes, once their signature
   * checked, stay valid until `exp` (ending a session is checked apart, in `app_session_actor` and the
   * actor cache): verifying the same bytes again, which each request of a signed-in user did
   * (WebCrypto import and HMAC), cannot answer differently before then.
   */
  private readonly verified = new Map<string, { claims: AccessClaims; expiresAtMs: number }>();

  constructor(
    secret: string,
    readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /**
   * A 256-bit key for another purpose (e.g. encrypting TOTP secrets at rest), derived from the
   * server secret with HKDF-SHA-256 and the purpose as `info`, so no second secret must be kept
   * and a key for one purpose says nothing about another (auth/secret-box.ts).
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, 'cdp-derived-key', purpose, 32));
  }

  sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({ org: claims.orgId, sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<AccessClaims> {
    const known = this.verified.get(token);
    if (known && known.expiresAtMs > Date.now()) return known.claims;
    if (known) this.verified.delete(token);
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      const { sub, org, sid } = payload;
      if (typeof sub !== 'string' || typeof org !== 'string' || typeof sid !== 'string') {
        throw new AppError('UNAUTHENTICATED', 'The access token is malformed. Sign in again.').withSecurity({
          kind: 'invalid_token',
          detail: { reason: 'claims_missing' },
        });
      }
      const claims = { userId: sub, orgId: org, sessionId: sid };
      if (typeof payload.exp === 'number') {
        if (this.verified.size >= VERIFIED_LIMIT) this.verified.delete(this.verified.keys().next().value as string);
        this.verified.set(token, { claims, expiresAtMs: payload.exp * 1000 });
      }
      return claims;
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof errors.JWTExpired) {
        throw new AppError('TOKEN_EXPIRED', 'The access token has expired. Refresh it or sign in again.');
      }
      // Not expired, yet not valid: forged, tampered or truncated. Worth a line in the security log.
      throw new AppError('UNAUTHENTICATED', 'The access token is not valid. Sign in again.').withSecurity({
        kind: 'invalid_token',
        detail: { reason: (error as { code?: string })?.code ?? 'invalid' },
      });
    }
  }
}

/**
 * The token of an `Authorization: Bearer <token>` header, or null. The scheme name is
 * case-insensitive (RFC 9110 §11.1), so `bearer` and `BEARER` are accepted too.
 */
export function bearerToken(header: string | undefined): string | null {
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/** 256 random bits; only its SHA-256 is stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
