import { createLocalJWKSet, jwtVerify } from 'jose';
import { generateSigningJwk, SigningKeyError, SigningKeyRing } from '../../src/crypto/signing-key-ring.js';
import { generateKeyPairSync } from 'node:crypto';

describe('SigningKeyRing', () => {
  it('signs ES256 JWTs with the first key that jose verifies against the published set', async () => {
    const first = generateSigningJwk();
    const second = generateSigningJwk();
    const ring = new SigningKeyRing([first, second]);
    const token = ring.signJwt({ typ: 'at+jwt' }, { sub: 'x', iat: 1, exp: 4102444800 });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(ring.publicJwks() as never));
    expect(protectedHeader).toEqual({ typ: 'at+jwt', alg: 'ES256', kid: first.kid });
    expect(payload.sub).toBe('x');
    expect(ring.publicJwks().keys.map((key) => key.kid)).toEqual([first.kid, second.kid]);
  });

  it('publishes public members only', () => {
    const ring = new SigningKeyRing([generateSigningJwk()]);
    for (const key of ring.publicJwks().keys) expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  });

  it('gives a generated key its RFC 7638 thumbprint as kid, and keeps a configured kid', () => {
    const jwk = generateSigningJwk();
    expect(jwk.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { kid: _drop, ...withoutKid } = jwk;
    expect(new SigningKeyRing([withoutKid]).currentKid).toBe(jwk.kid);
    expect(new SigningKeyRing([{ ...jwk, kid: 'k-2026' }]).currentKid).toBe('k-2026');
  });

  it('refuses public keys, other curves, RSA, duplicate kids and an empty ring', () => {
    const jwk = generateSigningJwk();
    const { d: _d, ...publicOnly } = jwk;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    expect(() => new SigningKeyRing([publicOnly])).toThrow(SigningKeyError);
    expect(() => new SigningKeyRing([p384 as never])).toThrow(SigningKeyError);
    expect(() => new SigningKeyRing([rsa as never])).toThrow(SigningKeyError);
    expect(() => new SigningKeyRing([jwk, jwk])).toThrow(/distinct kids/);
    expect(() => new SigningKeyRing([])).toThrow(SigningKeyError);
    expect(() => new SigningKeyRing([{ ...jwk, d: 'AAAA' }])).toThrow(SigningKeyError);
  });

  it('finds verification keys by kid only', () => {
    const jwk = generateSigningJwk();
    const ring = new SigningKeyRing([jwk]);
    expect(ring.verificationKey(jwk.kid as string)?.asymmetricKeyType).toBe('ec');
    expect(ring.verificationKey('unknown')).toBeUndefined();
  });
});
