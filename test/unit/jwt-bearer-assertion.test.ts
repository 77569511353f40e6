import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { AssertionError, parseAssertion, UNVERIFIED_ASSERTION, verifyAssertion, type AssertionPolicy } from '../../src/crypto/jwt-bearer-assertion.js';
import { parsePublicKey, type RegisteredPublicKey } from '../../src/crypto/public-key.js';

const NOW = 1_800_000_000;
const AUD = 'https://issuer.test/auth/token';
const CLIENT = '7a9016dc-ac40-4908-9462-ffb0809726ce';
const policy: AssertionPolicy = { audiences: new Set([AUD]), maxLifetimeSeconds: 120, clockLeewaySeconds: 30, now: () => NOW };

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');
const registered = (key: KeyObject): RegisteredPublicKey => parsePublicKey(key.export({ format: 'jwk' }));
const ecKey = registered(ec.publicKey);
const rsaKey = registered(rsa.publicKey);
const edKey = registered(ed.publicKey);

function sign256(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key: KeyObject = ec.privateKey, alg = 'ES256'): Promise<string> {
  const payload = { iss: CLIENT, aud: AUD, jti: randomUUID(), iat: NOW, exp: NOW + 60, ...claims };
  for (const name of Object.keys(payload)) if ((payload as Record<string, unknown>)[name] === undefined) delete (payload as Record<string, unknown>)[name];
  return new SignJWT(payload).setProtectedHeader({ alg, ...header }).sign(key);
}

function raw(header: unknown, payload: unknown, signature = 'c2ln'): string {
  const part = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}

async function verify(token: string, keys: RegisteredPublicKey[] = [ecKey]) {
  return verifyAssertion(parseAssertion(token), keys, policy);
}

describe('parseAssertion', () => {
  const payload = { iss: CLIENT };

  it.each([
    ['alg none', { alg: 'none' }, /none/],
    ['alg NONE', { alg: 'NONE' }, /none/],
    ['HS256', { alg: 'HS256' }, /Symmetric/],
    ['HS512', { alg: 'HS512' }, /Symmetric/],
    ['ES384', { alg: 'ES384' }, /not supported/],
    ['RSA1_5', { alg: 'RSA1_5' }, /not supported/],
    ['no alg', { typ: 'JWT' }, /no alg/],
    ['a jku header', { alg: 'ES256', jku: 'https://evil.test/jwks' }, /"jku"/],
    ['an x5u header', { alg: 'ES256', x5u: 'https://evil.test/cert' }, /"x5u"/],
    ['an embedded jwk', { alg: 'ES256', jwk: { kty: 'EC' } }, /"jwk"/],
    ['an x5c chain', { alg: 'ES256', x5c: ['MIIB'] }, /"x5c"/],
    ['a crit header', { alg: 'ES256', crit: ['exp'] }, /"crit"/],
    ['b64 false', { alg: 'ES256', b64: false }, /"b64"/],
    ['a kid with a path', { alg: 'ES256', kid: '../../keys/other' }, /kid/],
    ['a kid with SQL', { alg: 'ES256', kid: "x' OR '1'='1" }, /kid/],
    ['a numeric kid', { alg: 'ES256', kid: 7 }, /kid/],
  ])('refuses %s', (_name, header, message) => {
    expect(() => parseAssertion(raw(header, payload))).toThrow(message);
  });

  it.each([
    ['two parts', 'a.b', /compact/],
    ['five parts (JWE)', 'a.b.c.d.e', /compact/],
    ['a header that is not base64url', `*.${Buffer.from('{}').toString('base64url')}.c2ln`, /base64url/],
    ['a header that is not JSON', raw('not json', payload), /JSON/],
    ['a header that is a JSON array', raw([1], payload), /JSON object/],
    ['a payload that is JSON null', raw({ alg: 'ES256' }, 'null'), /JSON object/],
    ['an empty signature', raw({ alg: 'ES256' }, payload, ''), /signature/],
    ['no iss', raw({ alg: 'ES256' }, { sub: 'x' }), /iss/],
    ['a numeric iss', raw({ alg: 'ES256' }, { iss: 12 }), /iss/],
    ['an assertion over 8 KiB', raw({ alg: 'ES256' }, { iss: CLIENT, pad: 'x'.repeat(9000) }), /too large/],
  ])('refuses %s', (_name, token, message) => {
    expect(() => parseAssertion(token)).toThrow(message);
  });

  it('reads alg, kid and iss of a sound assertion without trusting it', async () => {
    const parsed = parseAssertion(await sign256({}, { kid: ecKey.kid }));
    expect(parsed).toMatchObject({ alg: 'ES256', kid: ecKey.kid, issuer: CLIENT });
  });
});

describe('verifyAssertion', () => {
  it('verifies ES256, RS256, PS256 and EdDSA with the matching registered key', async () => {
    await expect(verify(await sign256())).resolves.toMatchObject({ issuer: CLIENT, kid: ecKey.kid, issuedAt: NOW, expiresAt: NOW + 60 });
    await expect(verify(await sign256({}, {}, rsa.privateKey, 'RS256'), [rsaKey])).resolves.toMatchObject({ kid: rsaKey.kid });
    await expect(verify(await sign256({}, {}, rsa.privateKey, 'PS256'), [rsaKey])).resolves.toMatchObject({ kid: rsaKey.kid });
    await expect(verify(await sign256({}, {}, ed.privateKey, 'EdDSA'), [edKey])).resolves.toMatchObject({ kid: edKey.kid });
  });

  it('picks the key by kid among several, and takes the only key without kid', async () => {
    const other = registered(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
    await expect(verify(await sign256({}, { kid: ecKey.kid }), [other, ecKey, rsaKey])).resolves.toMatchObject({ kid: ecKey.kid });
    await expect(verify(await sign256(), [ecKey])).resolves.toMatchObject({ kid: ecKey.kid });
  });

  it('refuses, with one description, no kid among several keys, a kid that names no key, an alg its key lacks, and no client', async () => {
    const other = registered(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
    const refusals = [
      async () => verify(await sign256(), [other, ecKey]),
      async () => verify(await sign256({}, { kid: 'unknown' })),
      async () => verify(await sign256({}, {}, ed.privateKey, 'EdDSA'), [ecKey]),
      async () => verify(await sign256({}, {}, ed.privateKey, 'EdDSA'), [ecKey, rsaKey]),
      async () => verifyAssertion(parseAssertion(await sign256()), null, policy),
    ];
    for (const refusal of refusals) await expect(refusal()).rejects.toThrow(new AssertionError(UNVERIFIED_ASSERTION));
  });

  it('refuses a kid whose key is of another type than alg (RSA key, ES256 header)', async () => {
    await expect(verify(await sign256({}, { kid: rsaKey.kid }), [rsaKey])).rejects.toThrow(UNVERIFIED_ASSERTION);
  });

  it('refuses a bad signature, a DER-encoded ECDSA signature and zeroed r and s', async () => {
    const good = await sign256();
    const [h, p] = good.split('.');
    const other = await sign256({}, {}, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    await expect(verify(`${h}.${p}.${other.split('.')[2]}`)).rejects.toThrow(UNVERIFIED_ASSERTION);
    const der = sign('sha256', Buffer.from(`${h}.${p}`), ec.privateKey).toString('base64url');
    await expect(verify(`${h}.${p}.${der}`)).rejects.toThrow(UNVERIFIED_ASSERTION);
    await expect(verify(`${h}.${p}.${Buffer.alloc(64).toString('base64url')}`)).rejects.toThrow(UNVERIFIED_ASSERTION);
  });

  it('does not trust a payload changed after signing', async () => {
    const [h, , s] = (await sign256()).split('.');
    const forged = Buffer.from(JSON.stringify({ iss: CLIENT, aud: AUD, jti: 'x', iat: NOW, exp: NOW + 60, sub: 'no:party:gln:1111111111116' })).toString('base64url');
    await expect(verify(`${h}.${forged}.${s}`)).rejects.toThrow(UNVERIFIED_ASSERTION);
  });

  it.each([
    ['expired beyond the leeway', { iat: NOW - 100, exp: NOW - 31 }, /expired/],
    ['iat beyond the leeway in the future', { iat: NOW + 31, exp: NOW + 90 }, /future/],
    ['nbf beyond the leeway in the future', { nbf: NOW + 31 }, /nbf/],
    ['a lifetime of 121 s', { exp: NOW + 121 }, /lifetime/],
    ['exp equal to iat', { exp: NOW }, /after its iat/],
    ['a float exp far beyond any date', { exp: 1e300 }, /NumericDate/],
    ['a negative iat', { iat: -1 }, /NumericDate/],
    ['a wrong aud', { aud: 'https://issuer.test/other' }, /aud/],
    ['an empty aud array', { aud: [] }, /aud/],
    ['aud with a non-string', { aud: [AUD, 1] }, /aud/],
    ['an empty jti', { jti: '' }, /jti/],
    ['a jti of 256 characters', { jti: 'j'.repeat(256) }, /jti/],
    ['a non-string sub', { sub: 5 }, /sub/],
  ])('refuses %s', async (_name, claims, message) => {
    const error = await verify(await sign256(claims)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toMatch(message);
  });

  it('accepts the edges: expired within the leeway, iat within the leeway, 120 s lifetime, fractional dates', async () => {
    await expect(verify(await sign256({ iat: NOW - 120, exp: NOW - 29 }))).resolves.toBeDefined();
    await expect(verify(await sign256({ iat: NOW + 29, exp: NOW + 100 }))).resolves.toBeDefined();
    await expect(verify(await sign256({ exp: NOW + 120 }))).resolves.toBeDefined();
    await expect(verify(await sign256({ iat: NOW + 0.5, exp: NOW + 60.25 }))).resolves.toBeDefined();
  });
});
