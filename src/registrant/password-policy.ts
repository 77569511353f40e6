import { readFileSync } from 'node:fs';
import { MAX_PASSWORD_LENGTH } from '../crypto/password-hasher.js';

/** NIST SP 800-63B: at least 8 characters, and not a known common password. */
export const MIN_PASSWORD_LENGTH = 8;

// Shipped beside this module (the build copies data/ into dist/).
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  readFileSync(new URL('./data/common-passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.toLowerCase()),
);

export const COMMON_PASSWORD_COUNT = COMMON_PASSWORDS.size;

/** What is wrong with a new password; empty when it is acceptable. Length counts code points. */
export function passwordProblems(password: string): string[] {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return [`must be at least ${MIN_PASSWORD_LENGTH} characters`];
  if (length > MAX_PASSWORD_LENGTH) return [`must be at most ${MAX_PASSWORD_LENGTH} characters`];
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return ['is one of the most common passwords'];
  return [];
}
