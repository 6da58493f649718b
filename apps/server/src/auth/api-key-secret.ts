import { hash, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 32 bytes are at most 43 base62 digits; shorter numbers are left-padded so every secret is 47 characters. */
const DIGITS = 43;
/** `cdp_` and six characters: about 36 bits, enough to tell keys apart, useless to guess the rest. */
const PREFIX_LENGTH = 10;

export function toBase62(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString('hex') || '0'}`);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(DIGITS, '0');
}

/**
 * A new secret, `cdp_` + 32 random bytes in base62 (190 bits). It is returned once, to the person
 * creating the key; only `hashApiKeySecret` of it is stored.
 */
export function generateApiKeySecret(): { secret: string; prefix: string; hash: string } {
  const secret = `cdp_${toBase62(randomBytes(32))}`;
  return { secret, prefix: secret.slice(0, PREFIX_LENGTH), hash: hashApiKeySecret(secret) };
}

/**
 * SHA-256, hex. A fast hash is right here (docs/decisions.md, "API key secrets"): the secret has 190
 * bits of entropy, so nobody can search for it from the hash, and a slow hash would cost every
 * request tens of milliseconds for nothing. `crypto.hash` (one shot, Node ≥ 20.12) rather than a
 * `createHash` object: the same digest in about a third of the time, and every keyed request pays it.
 */
export function hashApiKeySecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** Does a presented credential look like an API key rather than a JWT (which starts `eyJ`)? */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith('cdp_');
}
