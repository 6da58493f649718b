import { passwordPolicyProblems } from '@cdp/contracts';

// No look-alike characters (0/O, 1/l/I), so a password read aloud or copied by hand survives.
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '-_.!@#%+=';

function pick(alphabet: string): string {
  const [value = 0] = crypto.getRandomValues(new Uint32Array(1));
  return alphabet[value % alphabet.length] ?? alphabet[0] ?? '';
}

/**
 * A random temporary password that meets the policy: 16 characters from all four classes,
 * drawn from the browser's cryptographic generator, never containing the person's e-mail name.
 */
export function generateTemporaryPassword(email = ''): string {
  for (;;) {
    const all = LOWER + UPPER + DIGITS + SYMBOLS;
    const chars = [pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMBOLS)];
    while (chars.length < 16) chars.push(pick(all));
    for (let i = chars.length - 1; i > 0; i--) {
      const [r = 0] = crypto.getRandomValues(new Uint32Array(1));
      const j = r % (i + 1);
      [chars[i], chars[j]] = [chars[j] ?? '', chars[i] ?? ''];
    }
    const password = chars.join('');
    if (passwordPolicyProblems(password, email).length === 0) return password;
  }
}
