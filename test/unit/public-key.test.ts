import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { parsePublicKey, PublicKeyError, toKeyObject } from '../../src/crypto/public-key.js';
import { createTestCa } from '../support/eid-ca.js';

const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }) as string;
const jwk = (key: KeyObject) => key.export({ format: 'jwk' }) as Record<string, unknown>;

const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed25519 = generateKeyPairSync('ed25519');

// RFC 7638 §3.1.
const RFC7638_EXAMPLE = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};

const refusal = (input: unknown): string => {
  try {
    parsePublicKey(input);
  } catch (error) {
    if (error instanceof PublicKeyError) return error.message;
    throw error;
  }
  throw new Error('accepted');
};

describe('parsePublicKey accepts', () => {
  it.each([
    ['RSA 2048', rsa2048, 'RSA', ['RS256', 'PS256'], ['e', 'kid', 'kty', 'n']],
    ['RSA 3072', generateKeyPairSync('rsa', { modulusLength: 3072 }), 'RSA', ['RS256', 'PS256'], ['e', 'kid', 'kty', 'n']],
    ['P-256', p256, 'EC', ['ES256'], ['crv', 'kid', 'kty', 'x', 'y']],
    ['Ed25519', ed25519, 'OKP', ['EdDSA'], ['crv', 'kid', 'kty', 'x']],
  ] as const)('%s as SPKI PEM, JWK and JWK text, with the RFC 7638 thumbprint as kid', async (_name, pair, keyType, algorithms, members) => {
    const expectedKid = await calculateJwkThumbprint(jwk(pair.publicKey) as JWK, 'sha256');
    for (const input of [spki(pair.publicKey), jwk(pair.publicKey), JSON.stringify(jwk(pair.publicKey)), JSON.stringify(jwk(pair.publicKey), null, 2)]) {
      const parsed = parsePublicKey(input);
      expect(parsed).toMatchObject({ kid: expectedKid, thumbprint: expectedKid, keyType, algorithms });
      expect(parsed.jwk.kid).toBe(expectedKid);
      expect(Object.keys(parsed.jwk).sort()).toEqual(members);
      expect(toKeyObject(parsed).equals(pair.publicKey)).toBe(true);
    }
  });

  it('a PKCS#1 RSA PEM, as the same key as its SPKI form', () => {
    const parsed = parsePublicKey(rsa2048.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string);
    expect(parsed.keyType).toBe('RSA');
    expect(parsed.thumbprint).toBe(parsePublicKey(spki(rsa2048.publicKey)).thumbprint);
  });

  it('a PEM with CRLF line ends and surrounding whitespace', () => {
    const pem = `\n  ${spki(p256.publicKey).replace(/\n/g, '\r\n')}  \n`;
    expect(parsePublicKey(pem).thumbprint).toBe(parsePublicKey(jwk(p256.publicKey)).thumbprint);
  });

  it('the RFC 7638 §3.1 example key, with its published thumbprint and its own kid', () => {
    const parsed = parsePublicKey(RFC7638_EXAMPLE);
    expect(parsed.thumbprint).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    expect(parsed.kid).toBe('2011-04-29');
    expect(parsed.jwk).toEqual({ kty: 'RSA', n: RFC7638_EXAMPLE.n, e: 'AQAB', kid: '2011-04-29' });
  });

  it('a JWK with consistent alg, use and key_ops, keeping only the public members', () => {
    const withExtras = { ...jwk(ed25519.publicKey), kid: 'client-key.2026_01', alg: 'EdDSA', use: 'sig', key_ops: ['verify'], x5t: 'ignored' };
    const parsed = parsePublicKey(withExtras);
    expect(parsed.kid).toBe('client-key.2026_01');
    expect(Object.keys(parsed.jwk).sort()).toEqual(['crv', 'kid', 'kty', 'x']);
    expect(parsePublicKey({ ...jwk(rsa2048.publicKey), alg: 'PS256' }).algorithms).toEqual(['RS256', 'PS256']);
    expect(parsePublicKey({ ...jwk(p256.publicKey), alg: 'ES256' }).keyType).toBe('EC');
  });

  it('a kid of exactly 128 characters', () => {
    expect(parsePublicKey({ ...jwk(p256.publicKey), kid: 'k'.repeat(128) }).kid).toBe('k'.repeat(128));
  });

  it('a stored key again, with the same kid, thumbprint and algorithms', () => {
    const first = parsePublicKey({ ...jwk(rsa2048.publicKey), kid: 'stored-1', alg: 'RS256' });
    const again = parsePublicKey({ ...first.jwk });
    expect(again).toEqual(first);
  });

  it('an RSA modulus with a leading zero byte, stored and thumbprinted in its canonical form', async () => {
    const canonical = jwk(rsa2048.publicKey);
    const padded = { ...canonical, n: Buffer.concat([Buffer.alloc(1), Buffer.from(canonical.n as string, 'base64url')]).toString('base64url') };
    const parsed = parsePublicKey(padded);
    expect(parsed.jwk.n).toBe(canonical.n);
    expect(parsed.thumbprint).toBe(await calculateJwkThumbprint(canonical as JWK));
  });

  it('keys whose KeyObject verifies what the private key signed', () => {
    const message = Buffer.from('assertion');
    const rsa = toKeyObject(parsePublicKey(spki(rsa2048.publicKey)));
    expect(verify('sha256', message, rsa, sign('sha256', message, rsa2048.privateKey))).toBe(true);
    const ec = toKeyObject(parsePublicKey(jwk(p256.publicKey)));
    expect(verify('sha256', message, ec, sign('sha256', message, p256.privateKey))).toBe(true);
    const ed = toKeyObject(parsePublicKey(JSON.stringify(jwk(ed25519.publicKey))));
    expect(verify(null, message, ed, sign(null, message, ed25519.privateKey))).toBe(true);
    expect(verify(null, message, ed, sign(null, message, generateKeyPairSync('ed25519').privateKey))).toBe(false);
  });

  it('one KeyObject per registered key, built once', () => {
    const parsed = parsePublicKey(jwk(p256.publicKey));
    expect(toKeyObject(parsed)).toBe(toKeyObject(parsed));
    expect(toKeyObject(parsePublicKey(jwk(p256.publicKey))).equals(toKeyObject(parsed))).toBe(true);
  });
});

describe('parsePublicKey refuses', () => {
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
  const secp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey;
  const ed448 = generateKeyPairSync('ed448').publicKey;
  const x25519 = generateKeyPairSync('x25519').publicKey;

  it.each([
    ['RSA 1024', rsa1024, /at least 2048 bits/],
    ['P-384', p384, /P-256/],
    ['secp256k1', secp256k1, /P-256/],
    ['Ed448', ed448, /Ed25519/],
    ['X25519', x25519, /Ed25519/],
  ])('%s, as PEM and as JWK', (_name, key, message) => {
    expect(refusal(spki(key))).toMatch(message);
    expect(refusal(jwk(key))).toMatch(message);
    expect(refusal(JSON.stringify(jwk(key)))).toMatch(message);
  });

  it('RSA with any public exponent but 65537: 1, even, 3 or a huge one (each verification would cost what the key holder chose)', () => {
    const n = jwk(rsa2048.publicKey).n;
    expect(jwk(rsa2048.publicKey).e).toBe('AQAB');
    for (const e of ['AQ', 'AAI', 'Aw', Buffer.from('ffffffffffffffffffffffffffffff01', 'hex').toString('base64url')]) {
      expect(refusal({ kty: 'RSA', n, e })).toBe('The RSA public exponent must be 65537');
    }
  });

  it.each([
    ['a PKCS#8 private key', () => ed25519.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string],
    ['a PKCS#1 RSA private key', () => rsa2048.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string],
    ['a SEC1 EC private key', () => p256.privateKey.export({ type: 'sec1', format: 'pem' }) as string],
    ['an encrypted private key', () => p256.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string],
    ['a private EC JWK', () => jwk(p256.privateKey)],
    ['a private RSA JWK as text', () => JSON.stringify(jwk(rsa2048.privateKey))],
    ['a private OKP JWK', () => jwk(ed25519.privateKey)],
    ['a public JWK with only a CRT member added', () => ({ ...jwk(rsa2048.publicKey), qi: 'AAAA' })],
  ])('%s', (_name, make) => {
    expect(refusal(make())).toMatch(/private key/);
  });

  it('a certificate, though it holds a public key', async () => {
    const certificate = (await createTestCa()).pem;
    expect(certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(createPublicKey(certificate).asymmetricKeyType).toBe('ec'); // node alone would take it
    expect(refusal(certificate)).toMatch(/certificate/);
  });

  it.each([
    ['an oct JWK', { kty: 'oct', k: 'c2VjcmV0' }, /Symmetric/],
    ['an oct JWK without k', { kty: 'oct' }, /Symmetric/],
    ['a JWK without kty', { n: 'AQAB', e: 'AQAB' }, /kty/],
    ['a JWK with an unknown kty', { kty: 'DSA' }, /kty/],
    ['a JWK with alg of another key type', { ...jwk(p256.publicKey), alg: 'RS256' }, /alg/],
    ['a JWK with alg of another curve', { ...jwk(p256.publicKey), alg: 'ES384' }, /alg/],
    ['an Ed25519 JWK with alg ES256', { ...jwk(ed25519.publicKey), alg: 'ES256' }, /alg/],
    ['a JWK with alg none', { ...jwk(rsa2048.publicKey), alg: 'none' }, /alg/],
    ['a JWK for encryption', { ...jwk(p256.publicKey), use: 'enc' }, /use/],
    ['a JWK whose key_ops sign', { ...jwk(p256.publicKey), key_ops: ['verify', 'sign'] }, /key_ops/],
    ['a JWK whose key_ops is a string', { ...jwk(p256.publicKey), key_ops: 'verify' }, /key_ops/],
    ['a JWK with a path as kid', { ...jwk(p256.publicKey), kid: '../../etc/passwd' }, /kid/],
    ['a JWK with an empty kid', { ...jwk(p256.publicKey), kid: '' }, /kid/],
    ['a JWK with a 129-character kid', { ...jwk(p256.publicKey), kid: 'k'.repeat(129) }, /kid/],
    ['a JWK with a numeric kid', { ...jwk(p256.publicKey), kid: 7 }, /kid/],
    ['an EC JWK without y', { kty: 'EC', crv: 'P-256', x: jwk(p256.publicKey).x }, /needs its y/],
    ['an EC JWK with a point off the curve', { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }, /cannot be read/],
    ['an RSA JWK with padded base64', { ...jwk(rsa2048.publicKey), e: 'AQAB=' }, /base64url/],
    ['an RSA JWK with standard base64', { ...jwk(rsa2048.publicKey), n: (jwk(rsa2048.publicKey).n as string).replace(/-/g, '+').replace(/_/g, '/').replace(/^./, '+') }, /base64url/],
    ['an OKP JWK with a numeric x', { kty: 'OKP', crv: 'Ed25519', x: 42 }, /needs its x/],
  ])('%s', (_name, input, message) => {
    expect(refusal(input)).toMatch(message);
  });

  it.each([
    ['two PEM blocks', () => spki(ed25519.publicKey).repeat(2), /one PEM block/],
    ['a public key followed by a private key', () => spki(ed25519.publicKey) + (ed25519.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), /one PEM block/],
    ['text before the PEM block', () => `my key:\n${spki(p256.publicKey)}`, /whole PUBLIC KEY/],
    ['text after the PEM block', () => `${spki(p256.publicKey)}trailing`, /whole PUBLIC KEY/],
    ['mismatched BEGIN and END labels', () => spki(p256.publicKey).replace('END PUBLIC KEY', 'END RSA PUBLIC KEY'), /whole PUBLIC KEY/],
    ['an SPKI body under the PKCS#1 label', () => spki(rsa2048.publicKey).replace(/PUBLIC KEY/g, 'RSA PUBLIC KEY'), /cannot be read/],
    ['a mangled PEM', () => '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', /cannot be read/],
    ['plain text', () => 'hello', /PUBLIC KEY/],
    ['an empty string', () => '', /PUBLIC KEY/],
    ['broken JSON', () => '{"kty":"EC",', /valid JSON/],
    ['a JSON array', () => '[{"kty":"EC"}]', /PUBLIC KEY/],
    ['JSON null', () => 'null', /PUBLIC KEY/],
  ])('%s', (_name, make, message) => {
    expect(refusal(make())).toMatch(message);
  });

  it('JWK text with duplicate members, which other parsers read differently', () => {
    const text = JSON.stringify({ ...jwk(p256.publicKey), kid: 'first' }).replace(/}$/, ',"kid":"second"}');
    expect(JSON.parse(text).kid).toBe('second');
    expect(refusal(text)).toMatch(/duplicate/);
  });

  it.each([
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an array', []],
    ['a Buffer of PEM', Buffer.from(spki(p256.publicKey))],
  ])('%s', (_name, input) => {
    expect(() => parsePublicKey(input)).toThrow(PublicKeyError);
  });

  it('a circular object with a PublicKeyError, not a TypeError', () => {
    const circular: Record<string, unknown> = { kty: 'EC' };
    circular.self = circular;
    expect(refusal(circular)).toMatch(/plain JSON object/);
  });

  it('input over 16 KiB, counted in bytes', () => {
    expect(refusal('x'.repeat(16 * 1024 + 1))).toMatch(/too large/);
    // 8193 two-byte characters: under 16 Ki characters, over 16 KiB.
    expect(refusal('é'.repeat(8193))).toMatch(/too large/);
    expect(refusal({ ...jwk(p256.publicKey), padding: 'x'.repeat(16 * 1024) })).toMatch(/too large/);
    // Just under the limit is read (and fails for its content, not its size).
    expect(refusal('x'.repeat(16 * 1024))).not.toMatch(/too large/);
  });
});
