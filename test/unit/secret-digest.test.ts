import fc from 'fast-check';
import { MAX_SECRET_LENGTH, SecretDigest } from '../../src/crypto/secret-digest.js';

const SECRET = 'a token secret that is long enough for the digest key';
const OTHER = 'another token secret, also long enough for the key';

describe('SecretDigest', () => {
  const digest = new SecretDigest(SECRET);

  it('digests a generated 256-bit secret, matches it and nothing else', () => {
    const secret = SecretDigest.generate();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = digest.digest(secret);
    expect(stored).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain(secret);
    expect(digest.matches(secret, [digest.digest(SecretDigest.generate()), stored])).toBe(1);
    expect(digest.matches(`${secret}x`, [stored])).toBe(-1);
    expect(digest.matches(secret, [])).toBe(-1);
  });

  it('is keyed: the same secret under another token secret does not match, unless that one is listed as previous', () => {
    const secret = SecretDigest.generate();
    const old = new SecretDigest(OTHER).digest(secret);
    expect(digest.matches(secret, [old])).toBe(-1);
    const rotated = new SecretDigest(SECRET, [OTHER]);
    expect(rotated.matches(secret, [old])).toBe(0);
    expect([rotated.isCurrent(old), rotated.isCurrent(rotated.digest(secret))]).toEqual([false, true]);
  });

  it('refuses over-long values and malformed digests without throwing', () => {
    const stored = digest.digest('x'.repeat(MAX_SECRET_LENGTH + 1));
    expect(digest.matches('x'.repeat(MAX_SECRET_LENGTH + 1), [stored])).toBe(-1);
    fc.assert(fc.property(fc.string(), fc.array(fc.string(), { maxLength: 3 }), (value, digests) => digest.matches(value, digests) === -1));
  });
});
