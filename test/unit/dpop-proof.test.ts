import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { createDpopProof, dpopAccessTokenHash, DpopProofError, verifyDpopProof } from '../../src/crypto/dpop-proof.js';
import { DpopNonces } from '../../src/crypto/dpop-nonce.js';

const URL_ = 'https://issuer.test/auth/token';
const expect_ = { method: 'POST', urls: [URL_] };
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

function thumbprintOf(key: KeyObject): string {
  const { crv, kty, x, y, e, n } = key.export({ format: 'jwk' });
  const members = kty === 'RSA' ? { e, kty, n } : kty === 'OKP' ? { crv, kty, x } : { crv, kty, x, y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** A proof signed by jose, with any header and claims: for the refusals createDpopProof would never make. */
async function handMade(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject = ec): Promise<string> {
  const { kty, crv, x, y } = key.export({ format: 'jwk' });
  return new SignJWT({ jti: 'j1', htm: 'POST', htu: URL_, iat: Math.floor(Date.now() / 1000), ...claims })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y }, ...header } as never)
    .sign(key, { crit: { 'x-ext': true } });
}

function refusal(proof: string, expected = expect_ as Parameters<typeof verifyDpopProof>[1]): string {
  try {
    verifyDpopProof(proof, expected);
  } catch (error) {
    if (error instanceof DpopProofError) return error.message;
    throw error;
  }
  throw new Error('the proof was accepted');
}

describe('DPoP proofs (RFC 9449 §4)', () => {
  it.each([
    ['EC P-256', ec],
    ['Ed25519', generateKeyPairSync('ed25519').privateKey],
    ['RSA (PS256)', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
  ])('verifies a proof made with a %s key, and names its key by the RFC 7638 thumbprint', (_name, key) => {
    const proof = createDpopProof(key, { method: 'POST', url: `${URL_}?x=1#f` });
    const verified = verifyDpopProof(proof, expect_);
    expect(verified.jkt).toBe(thumbprintOf(key));
    expect(verified.acceptedUntil).toBe(verified.issuedAt + 60);
  });

  it('checks ath against the access token sent with the proof', () => {
    const proof = createDpopProof(ec, { method: 'GET', url: 'https://issuer.test/auth/userinfo', accessToken: 'token-a' });
    const expected = { method: 'GET', urls: ['https://issuer.test/auth/userinfo'] };
    expect(verifyDpopProof(proof, { ...expected, accessToken: 'token-a' }).jkt).toBe(thumbprintOf(ec));
    expect(refusal(proof, { ...expected, accessToken: 'token-b' })).toMatch(/ath/);
    expect(refusal(createDpopProof(ec, { method: 'GET', url: 'https://issuer.test/auth/userinfo' }), { ...expected, accessToken: 'token-a' })).toMatch(/ath/);
    expect(dpopAccessTokenHash('token-a')).toBe(createHash('sha256').update('token-a').digest('base64url'));
  });

  it('refuses the wrong method or URL, and compares URLs normalised, without query', () => {
    expect(refusal(createDpopProof(ec, { method: 'GET', url: URL_ }))).toMatch(/htm/);
    expect(refusal(createDpopProof(ec, { method: 'POST', url: 'https://issuer.test/auth/userinfo' }))).toMatch(/htu/);
    expect(refusal(createDpopProof(ec, { method: 'POST', url: 'https://other.test/auth/token' }))).toMatch(/htu/);
    expect(verifyDpopProof(createDpopProof(ec, { method: 'POST', url: 'HTTPS://ISSUER.test:443/auth/token' }), expect_).jti).toBeDefined();
    expect(verifyDpopProof(createDpopProof(ec, { method: 'POST', url: 'https://mtls.issuer.test/auth/token' }), { method: 'POST', urls: [URL_, 'https://mtls.issuer.test/auth/token'] }).jti).toBeDefined();
  });

  it('refuses an iat more than 60 s from the clock either way', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(refusal(createDpopProof(ec, { method: 'POST', url: URL_, now: now - 61 }))).toMatch(/iat/);
    expect(refusal(createDpopProof(ec, { method: 'POST', url: URL_, now: now + 61 }))).toMatch(/iat/);
    expect(verifyDpopProof(createDpopProof(ec, { method: 'POST', url: URL_, now: now - 55 }), expect_).issuedAt).toBe(now - 55);
  });

  it('refuses alg none, HS256, a private key in jwk, a missing jwk, another typ and a foreign signature', async () => {
    const [header, payload] = createDpopProof(ec, { method: 'POST', url: URL_ }).split('.');
    const none = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header, 'base64url').toString()), alg: 'none' })).toString('base64url')}.${payload}.`;
    expect(refusal(none)).toMatch(/alg none/);
    const hs = await new SignJWT({ jti: 'j', htm: 'POST', htu: URL_, iat: Math.floor(Date.now() / 1000) })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: 'c2VjcmV0' } } as never).sign(new TextEncoder().encode('secret'));
    expect(refusal(hs)).toMatch(/Symmetric/);
    expect(refusal(await handMade({ jwk: ec.export({ format: 'jwk' }) }, {}))).toMatch(/private key members/);
    expect(refusal(await handMade({ jwk: undefined }, {}))).toMatch(/jwk/);
    expect(refusal(await handMade({ typ: 'JWT' }, {}))).toMatch(/typ/);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const { kty, crv, x, y } = other.export({ format: 'jwk' });
    expect(refusal(await handMade({ jwk: { kty, crv, x, y } }, {}))).toMatch(/signature/);
    expect(refusal(createDpopProof(ec, { method: 'POST', url: URL_ }, 'RS256'))).toMatch(/RS256 does not fit its EC jwk/);
    expect(refusal(await handMade({ crit: ['x-ext'], 'x-ext': 1 }, {}))).toMatch(/crit/);
  });

  it('refuses a missing or malformed jti, a repeated member and a malformed nonce', async () => {
    expect(refusal(await handMade({}, { jti: undefined }))).toMatch(/jti/);
    expect(refusal(await handMade({}, { jti: 'a\u0000b' }))).toMatch(/jti/);
    expect(refusal(await handMade({}, { nonce: 5 }))).toMatch(/nonce/);
    const [h, , s] = (await handMade({}, {})).split('.');
    const repeated = Buffer.from(`{"jti":"a","jti":"b","htm":"POST","htu":"${URL_}","iat":${Math.floor(Date.now() / 1000)}}`).toString('base64url');
    expect(refusal(`${h}.${repeated}.${s}`)).toMatch(/repeats|signature/);
  });

  it('answers any input with a DpopProofError or a verified proof, never another exception', () => {
    const valid = createDpopProof(ec, { method: 'POST', url: URL_ });
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string().map((s) => `${valid.slice(0, 40)}${s}`), fc.array(fc.base64String(), { minLength: 3, maxLength: 3 }).map((parts) => parts.join('.'))), (text) => {
      try {
        verifyDpopProof(text, expect_);
      } catch (error) {
        expect(error).toBeInstanceOf(DpopProofError);
      }
    }));
  });
});

describe('DPoP nonces without shared state', () => {
  const nonces = new DpopNonces('a'.repeat(48));
  const now = Date.UTC(2030, 0, 1, 12, 0, 30);

  it('are the same on every replica with the secret, accepted one window either way', () => {
    const nonce = nonces.current(now);
    expect(new DpopNonces('a'.repeat(48)).current(now)).toBe(nonce);
    expect(nonces.accepts(nonce, now)).toBe(true);
    expect(nonces.accepts(nonce, now + 60_000)).toBe(true);
    expect(nonces.accepts(nonce, now - 60_000)).toBe(true);
    expect(nonces.accepts(nonce, now + 120_000)).toBe(false);
    expect(nonces.current(now + 60_000)).not.toBe(nonce);
  });

  it('refuses nonces of another secret, altered ones and garbage', () => {
    expect(nonces.accepts(new DpopNonces('b'.repeat(48)).current(now), now)).toBe(false);
    const nonce = nonces.current(now);
    const altered = `${nonce.slice(0, -2)}${nonce.endsWith('AA') ? 'AB' : 'AA'}`;
    expect(nonces.accepts(altered, now)).toBe(false);
    fc.assert(fc.property(fc.string(), (text) => expect(nonces.accepts(text, now)).toBe(text === nonce)));
  });
});
