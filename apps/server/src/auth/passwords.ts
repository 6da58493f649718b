import { passwordPolicyProblems } from '@cdp/contracts';
import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

/** OWASP's argon2id baseline (argon2id is the library's default algorithm): 19 MiB, 2 passes, 1 lane. */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * A hash of a random password, verified against when the e-mail is unknown, so a failed login
 * takes as long whether or not the account exists.
 */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(crypto.randomUUID());
  return dummyHash;
}

// ~49,000 most common passwords (zxcvbn-ts, from leaked-password corpora).
const COMMON = new Set<string>(dictionary['passwords-common'] as string[]);

/** Every way `password` breaks the policy, as sentences for the person choosing it. */
export function checkPasswordPolicy(password: string, email: string): string[] {
  const problems = passwordPolicyProblems(password, email);
  const lower = password.toLowerCase();
  // "Password1234!" is "password" with decoration: check the core too.
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  if (COMMON.has(lower) || (core.length >= 4 && COMMON.has(core))) {
    problems.push('This password is too common; choose one that is not on lists of leaked passwords.');
  }
  if (new Set(password).size < 4) {
    problems.push('Use more different characters.');
  } else if (isMostlySequential(lower)) {
    problems.push('Avoid sequences such as 123456789 or abcdef.');
  }
  return problems;
}

/** "1234567890123", "abcdefghijkl", "987654321098": neighbours mostly one apart. */
function isMostlySequential(text: string): boolean {
  let steps = 0;
  for (let i = 1; i < text.length; i += 1) {
    const diff = Math.abs(text.charCodeAt(i) - text.charCodeAt(i - 1));
    if (diff === 1 || diff === 9) steps += 1; // 9: the 0/9 wrap of a digit run
  }
  return text.length > 1 && steps / (text.length - 1) >= 0.8;
}
