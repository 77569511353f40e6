import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import { verifyJwsSignature, type JwsAlgorithm } from '../../src/crypto/jws-signature.js';

/** Signatures made by jose (an independent implementation) must verify; everything else must not. */
const KEYS: Record<JwsAlgorithm, { publicKey: KeyObject; privateKey: KeyObject }> = {
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  PS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  EdDSA: generateKeyPairSync('ed25519'),
};
const ALGORITHMS = Object.keys(KEYS) as JwsAlgorithm[];

async function joseSigned(alg: JwsAlgorithm): Promise<{ input: string; signature: Buffer }> {
  const jws = await new CompactSign(Buffer.from(JSON.stringify({ iss: 'client', jti: 'x' }))).setProtectedHeader({ alg }).sign(KEYS[alg].privateKey);
  const [header, payload, signature] = jws.split('.');
  return { input: `${header}.${payload}`, signature: Buffer.from(signature, 'base64url') };
}

describe('verifyJwsSignature', () => {
  it.each(ALGORITHMS)('accepts a %s signature made by jose', async (alg) => {
    const { input, signature } = await joseSigned(alg);
    expect(verifyJwsSignature(alg, input, signature, KEYS[alg].publicKey)).toBe(true);
  });

  it.each(ALGORITHMS)('refuses a %s signature over other bytes, or a flipped bit', async (alg) => {
    const { input, signature } = await joseSigned(alg);
    expect(verifyJwsSignature(alg, `${input}x`, signature, KEYS[alg].publicKey)).toBe(false);
    const flipped = Buffer.from(signature);
    flipped[flipped.length - 1] ^= 1;
    expect(verifyJwsSignature(alg, input, flipped, KEYS[alg].publicKey)).toBe(false);
  });

  it.each(ALGORITHMS)('refuses a %s signature checked with another key of the same type', async (alg) => {
    const { input, signature } = await joseSigned(alg);
    const other = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(verifyJwsSignature(alg, input, signature, other.publicKey)).toBe(false);
  });

  it('refuses a key of the wrong type for the algorithm, and an unknown algorithm', async () => {
    const { input, signature } = await joseSigned('RS256');
    expect(verifyJwsSignature('RS256', input, signature, KEYS.ES256.publicKey)).toBe(false);
    expect(verifyJwsSignature('EdDSA', input, signature, KEYS.RS256.publicKey)).toBe(false);
    expect(verifyJwsSignature('HS256' as JwsAlgorithm, input, signature, KEYS.RS256.publicKey)).toBe(false);
  });

  it('refuses a DER-encoded ECDSA signature (JWS uses r || s)', () => {
    const input = 'eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ';
    const der = sign('sha256', Buffer.from(input), { key: KEYS.ES256.privateKey, dsaEncoding: 'der' });
    const raw = sign('sha256', Buffer.from(input), { key: KEYS.ES256.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(verifyJwsSignature('ES256', input, der, KEYS.ES256.publicKey)).toBe(false);
    expect(verifyJwsSignature('ES256', input, raw, KEYS.ES256.publicKey)).toBe(true);
  });

  it('refuses an RS256 signature presented as PS256, and a PSS salt of another length', () => {
    const input = 'eyJhbGciOiJQUzI1NiJ9.eyJhIjoxfQ';
    const pkcs1 = sign('sha256', Buffer.from(input), { key: KEYS.PS256.privateKey, padding: constants.RSA_PKCS1_PADDING });
    const shortSalt = sign('sha256', Buffer.from(input), { key: KEYS.PS256.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 });
    const rightSalt = sign('sha256', Buffer.from(input), { key: KEYS.PS256.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    expect(verifyJwsSignature('PS256', input, pkcs1, KEYS.PS256.publicKey)).toBe(false);
    expect(verifyJwsSignature('PS256', input, shortSalt, KEYS.PS256.publicKey)).toBe(false);
    expect(verifyJwsSignature('PS256', input, rightSalt, KEYS.PS256.publicKey)).toBe(true);
    expect(verifyJwsSignature('RS256', input, rightSalt, KEYS.PS256.publicKey)).toBe(false);
  });
});
