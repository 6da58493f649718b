import { randomBytes } from 'node:crypto';
import { authenticator } from 'otplib';
import QRCode from 'qrcode';

/**
 * TOTP (RFC 6238): 30-second steps, 6 digits, SHA-1 as every authenticator app expects. One step
 * either side is accepted for clock drift; the accepted step is returned so the caller stores it
 * and refuses that step, and any earlier one, next time: a code works once.
 */
const STEP_SECONDS = 30;
const totp = authenticator.clone({ step: STEP_SECONDS, window: 1, digits: 6 });

export const TOTP_ISSUER = 'CDP';

export function newTotpSecret(): string {
  return totp.generateSecret(20);
}

export function otpauthUrl(email: string, secret: string): string {
  return totp.keyuri(email, TOTP_ISSUER, secret);
}

/** The QR code an authenticator app scans, as an SVG data URL (no image request, no third party). */
export async function qrDataUrl(url: string): Promise<string> {
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/**
 * The time step the code belongs to, or null when it is wrong, or when that step is not after
 * `lastStep` (a replay, or an older code after a newer one was used).
 */
export function acceptTotp(secret: string, code: string, lastStep: number | null, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const at = totp.clone({ epoch: now });
  const delta = at.checkDelta(code, secret);
  if (delta === null) return null;
  const step = Math.floor(now / 1000 / STEP_SECONDS) + delta;
  if (lastStep !== null && step <= lastStep) return null;
  return step;
}

/** Ten recovery codes, `xxxxx-xxxxx` from an alphabet without look-alikes (~50 bits each). */
export function newRecoveryCodes(count = 10): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length: count }, () => {
    const chars = Array.from(randomBytes(10), (b) => alphabet[b % alphabet.length]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** How a typed recovery code is compared: lower case, with its dash. */
export function normalizeRecoveryCode(code: string): string | null {
  const plain = code.trim().toLowerCase().replace(/-/g, '');
  return /^[a-z0-9]{10}$/.test(plain) ? `${plain.slice(0, 5)}-${plain.slice(5)}` : null;
}
