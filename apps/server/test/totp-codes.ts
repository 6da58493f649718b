import { authenticator } from 'otplib';

/**
 * A TOTP code `offset` steps from now, computed independently of the server (otplib's
 * authenticator, as an app would). Codes are accepted once per step and only after the last used
 * step, so a test uses increasing offsets (-1, 0, +1: the server accepts one step either side).
 */
export function totpCode(secret: string, offset = 0): string {
  return authenticator.clone({ epoch: Date.now() + offset * 30_000 }).generate(secret);
}

/** Waits until at least 8 s of the current 30-second step remain, so a code's step does not change under a test. */
export async function awayFromStepEdge(): Promise<void> {
  const left = 30 - ((Date.now() / 1000) % 30);
  if (left < 8) await new Promise((resolve) => setTimeout(resolve, left * 1000 + 200));
}
