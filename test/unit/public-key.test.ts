import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { parsePublicKey, PublicKeyError, toKeyObject } from '../../src/crypto/public-key.js';

const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }) as string;
const jwk = (key: KeyObject) => key.export({ format: 'jwk' }) as Record<string, unknown>;

describe('parsePublicKey', () => {
  it.each([
    ['RSA 2048', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, 'RSA', ['RS256', 'PS256']],
    ['P-256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, 'EC', ['ES256']],
    ['Ed25519', () => generateKeyPairSync('ed25519').publicKey, 'OKP', ['EdDSA']],
  ] as const)('accepts %s as SPKI PEM, JWK and JWK text, with the RFC 7638 thumbprint as kid', async (_name, make, keyType, algorithms) => {
    const key = make();
    const expectedKid = await calculateJwkThumbprint(jwk(key) as never);
    for (const input of [spki(key), jwk(key), JSON.stringify(jwk(key))]) {
      const parsed = parsePublicKey(input);
      expect(parsed).toMatchObject({ kid: expectedKid, thumbprint: expectedKid, keyType, algorithms });
      expect(toKeyObject(parsed).equals(key)).toBe(true);
    }
  });

  it('accepts a PKCS#1 RSA PEM', () => {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(parsePublicKey(key.export({ type: 'pkcs1', format: 'pem' }) as string).keyType).toBe('RSA');
  });

  it('gives the RFC 7638 §3.1 example key its published thumbprint', () => {
    const example = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    const parsed = parsePublicKey(example);
    expect(parsed.thumbprint).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    expect(parsed.kid).toBe('2011-04-29');
    expect(Object.keys(parsed.jwk).sort()).toEqual(['e', 'kid', 'kty', 'n']);
  });

  it.each([
    ['RSA 1024', () => spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), /2048/],
    ['P-384', () => spki(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey), /P-256/],
    ['secp256k1', () => spki(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey), /P-256/],
    ['Ed448', () => spki(generateKeyPairSync('ed448').publicKey), /Ed25519/],
    ['X25519', () => spki(generateKeyPairSync('x25519').publicKey), /Ed25519/],
    ['a PKCS#8 private key', () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, /private key/],
    ['a private JWK', () => jwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), /private key/],
    ['an oct JWK', () => ({ kty: 'oct', k: 'c2VjcmV0' }), /Symmetric/],
    ['two PEM blocks', () => spki(generateKeyPairSync('ed25519').publicKey).repeat(2), /one PEM block/],
    ['a certificate', () => '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', /PUBLIC KEY/],
    ['a mangled PEM', () => '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', /cannot be read/],
    ['a JWK with a wrong alg', () => ({ ...jwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey), alg: 'RS256' }), /alg/],
    ['a JWK for encryption', () => ({ ...jwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey), use: 'enc' }), /use/],
    ['a JWK with a path as kid', () => ({ ...jwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey), kid: '../../etc/passwd' }), /kid/],
    ['a JWK with a bad point', () => ({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }), /cannot be read/],
    ['text', () => 'hello', /PUBLIC KEY/],
    ['a number', () => 42, /PEM public key or a JWK/],
    ['an array', () => [], /PEM public key or a JWK/],
    ['16 KiB of text', () => 'x'.repeat(16 * 1024 + 1), /too large/],
  ])('refuses %s', (_name, make, message) => {
    expect(() => parsePublicKey(make())).toThrow(PublicKeyError);
    expect(() => parsePublicKey(make())).toThrow(message);
  });
});
