import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { TokenSecretError } from '../../src/crypto/aes-token-codec.js';
import { generateSigningJwk } from '../../src/crypto/signing-key-ring.js';
import { SealedKeyError, SigningKeySealer } from '../../src/crypto/signing-key-sealer.js';

const SECRET = randomBytes(32).toString('base64');
const OLD_SECRET = randomBytes(32).toString('base64');
const jwk = generateSigningJwk();
const kid = jwk.kid as string;

describe('SigningKeySealer', () => {
  const sealer = new SigningKeySealer(SECRET, [OLD_SECRET]);

  it('round-trips a private JWK, in the documented layout, without its private part in clear', () => {
    const sealed = sealer.seal(jwk, kid);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain(jwk.d as string);
    expect(sealer.unseal(sealed, kid)).toEqual(jwk);
    expect(sealer.seal(jwk, kid)).not.toBe(sealed); // a fresh IV each time
  });

  it('refuses every single-byte change of the IV, ciphertext and tag', () => {
    const [version, keyId, ...parts] = sealer.seal(jwk, kid).split('.');
    for (let part = 0; part < parts.length; part++) {
      const bytes = Buffer.from(parts[part], 'base64url');
      for (let i = 0; i < bytes.length; i++) {
        const changed = Buffer.from(bytes);
        changed[i] ^= 0x01;
        const tampered = [version, keyId, ...parts.map((text, index) => (index === part ? changed.toString('base64url') : text))].join('.');
        expect(() => sealer.unseal(tampered, kid)).toThrow(/cannot be decrypted/);
      }
    }
  });

  it('refuses every change of one character, every truncation and every extension', () => {
    const sealed = sealer.seal(jwk, kid);
    for (let i = 0; i < sealed.length; i++) {
      const replacement = sealed[i] === 'A' ? 'B' : 'A';
      expect(() => sealer.unseal(sealed.slice(0, i) + replacement + sealed.slice(i + 1), kid)).toThrow(SealedKeyError);
      expect(() => sealer.unseal(sealed.slice(0, i), kid)).toThrow(SealedKeyError);
    }
    expect(() => sealer.unseal(`${sealed}A`, kid)).toThrow(SealedKeyError);
    expect(() => sealer.unseal(`${sealed}.AAAA`, kid)).toThrow(SealedKeyError);
  });

  it('binds the kid: a sealed key does not open for another row', () => {
    const sealed = sealer.seal(jwk, kid);
    const other = generateSigningJwk().kid as string;
    expect(() => sealer.unseal(sealed, other)).toThrow(SealedKeyError);
    expect(() => sealer.unseal(sealed, other)).toThrow(`signing key ${other} cannot be decrypted`);
  });

  it('unseals what a previous secret sealed, and says that it should be sealed again', () => {
    const old = new SigningKeySealer(OLD_SECRET);
    const sealedBefore = old.seal(jwk, kid);
    expect(sealer.unseal(sealedBefore, kid)).toEqual(jwk);
    expect(sealer.isCurrent(sealedBefore)).toBe(false);
    const sealedNow = sealer.seal(jwk, kid);
    expect(sealer.isCurrent(sealedNow)).toBe(true);
    expect(old.isCurrent(sealedNow)).toBe(false);
    expect(new SigningKeySealer(SECRET).unseal(sealedNow, kid)).toEqual(jwk);
  });

  it('names the setting, and no key material, when the secret is unknown', () => {
    const sealed = new SigningKeySealer(randomBytes(32).toString('base64')).seal(jwk, kid);
    let error: unknown;
    try {
      sealer.unseal(sealed, kid);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SealedKeyError);
    const message = (error as Error).message;
    expect(message).toContain(`signing key ${kid} was sealed with a TOKEN_SECRET this service does not have`);
    expect(message).toContain('TOKEN_SECRETS_PREVIOUS');
    expect(message).not.toContain(jwk.d as string);
    expect(message).not.toContain(SECRET);
  });

  it('refuses secrets shorter than 32 bytes', () => {
    expect(() => new SigningKeySealer('short')).toThrow(TokenSecretError);
    expect(() => new SigningKeySealer(SECRET, ['short'])).toThrow(TokenSecretError);
  });

  it('throws nothing but SealedKeyError for arbitrary input', () => {
    const currentKeyId = sealer.seal(jwk, kid).split('.')[1];
    const bytes = (minLength: number, maxLength: number) => fc.uint8Array({ minLength, maxLength }).map((array) => Buffer.from(array).toString('base64url'));
    // Under the current key id, with IV and tag of the right lengths: these reach the decryption.
    const shaped = fc.tuple(bytes(12, 12), bytes(0, 400), bytes(16, 16)).map((parts) => ['v1', currentKeyId, ...parts].join('.'));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 600 }), shaped), fc.string({ maxLength: 60 }), (sealed, anyKid) => {
        try {
          sealer.unseal(sealed, anyKid);
          return false;
        } catch (error) {
          return error instanceof SealedKeyError;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
