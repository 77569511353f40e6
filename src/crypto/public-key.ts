import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { hasDuplicateMemberNames } from './strict-json.js';

import { KID_PATTERN, type JwsAlgorithm } from './jws-algorithms.js';

export type PublicKeyAlgorithm = JwsAlgorithm;
export type PublicKeyType = 'RSA' | 'EC' | 'OKP';

/** A client's registered public key, as stored and as used to verify its assertions. */
export interface RegisteredPublicKey {
  readonly kid: string;
  /** Public members only (the RFC 7638 required ones), with kid. */
  readonly jwk: JsonWebKey & { kty: PublicKeyType; kid: string };
  readonly algorithms: readonly PublicKeyAlgorithm[];
  readonly keyType: PublicKeyType;
  /** RFC 7638 JWK thumbprint (SHA-256, base64url): the same key under any kid. */
  readonly thumbprint: string;
}

export class PublicKeyError extends Error {
  override name = 'PublicKeyError';
}

const MAX_INPUT_BYTES = 16 * 1024;
const MIN_RSA_BITS = 2048;
// OpenSSL refuses to verify with larger moduli (OPENSSL_RSA_MAX_MODULUS_BITS), so such a key could never log in.
const MAX_RSA_BITS = 16384;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const ALGORITHMS: Readonly<Record<PublicKeyType, readonly PublicKeyAlgorithm[]>> = {
  RSA: Object.freeze(['RS256', 'PS256'] as const),
  EC: Object.freeze(['ES256'] as const),
  OKP: Object.freeze(['EdDSA'] as const),
};
// RFC 7638 §3.2: the required members of each key type, in lexicographic order.
const THUMBPRINT_MEMBERS: Readonly<Record<PublicKeyType, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
};
// The whole text must be one block; node would otherwise skip text around it.
const PUBLIC_KEY_PEM = /^-----BEGIN (RSA )?PUBLIC KEY-----[A-Za-z0-9+/=\s]+-----END \1PUBLIC KEY-----$/;

/**
 * Accepts a client public key as SPKI or PKCS#1 PEM, a JWK object, or a JWK
 * as JSON text: RSA of at least 2048 bits, EC P-256 or Ed25519. Anything
 * else (private or symmetric keys, certificates, other curves) is refused
 * with a PublicKeyError saying why.
 */
export function parsePublicKey(input: unknown): RegisteredPublicKey {
  if (typeof input === 'string') {
    if (Buffer.byteLength(input, 'utf8') > MAX_INPUT_BYTES) throw new PublicKeyError('The key is too large (over 16 KiB)');
    const text = input.trim();
    return text.startsWith('{') ? fromJwk(parseJson(text)) : fromPem(text);
  }
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    if (serializedSize(input) > MAX_INPUT_BYTES) throw new PublicKeyError('The key is too large (over 16 KiB)');
    return fromJwk(input as Record<string, unknown>);
  }
  throw new PublicKeyError('The key must be a PEM public key or a JWK');
}

const keyObjects = new WeakMap<RegisteredPublicKey, KeyObject>();

/** The node:crypto key, built once per registered key object (cached keys are verified many times). */
export function toKeyObject(key: RegisteredPublicKey): KeyObject {
  let keyObject = keyObjects.get(key);
  if (keyObject === undefined) {
    keyObject = createPublicKey({ key: key.jwk, format: 'jwk' });
    keyObjects.set(key, keyObject);
  }
  return keyObject;
}

function fromPem(text: string): RegisteredPublicKey {
  const blocks = text.match(/-----BEGIN [A-Z0-9 ]+-----/g) ?? [];
  if (blocks.length === 0) throw new PublicKeyError('The key must be a PEM public key (-----BEGIN PUBLIC KEY-----) or a JWK');
  if (blocks.length > 1) throw new PublicKeyError('The key must be exactly one PEM block');
  const header = blocks[0] ?? '';
  // node would happily derive the public key from these; refuse them so nobody registers a secret or a whole certificate.
  if (header.includes('PRIVATE KEY')) throw new PublicKeyError('That is a private key: register the public key only');
  if (header.includes('CERTIFICATE')) throw new PublicKeyError('That is a certificate: register its public key (-----BEGIN PUBLIC KEY-----)');
  if (!PUBLIC_KEY_PEM.test(text)) throw new PublicKeyError('The PEM block must be a whole PUBLIC KEY or RSA PUBLIC KEY block');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch {
    throw new PublicKeyError('The PEM public key cannot be read');
  }
  return fromKeyObject(key, undefined);
}

function fromJwk(jwk: Record<string, unknown>): RegisteredPublicKey {
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
    throw new PublicKeyError(jwk.kty === 'oct' ? 'Symmetric keys are not accepted' : 'That is a private key: register the public key only');
  }
  const kty = jwk.kty;
  if (kty === 'oct') throw new PublicKeyError('Symmetric keys are not accepted');
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') throw new PublicKeyError('The JWK kty must be RSA, EC or OKP');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new PublicKeyError('The JWK use must be sig');
  // key_ops is use's finer-grained twin (RFC 7517 §4.3): a public signing key only verifies.
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.every((op) => op === 'verify'))) {
    throw new PublicKeyError('The JWK key_ops may only contain verify');
  }
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || !KID_PATTERN.test(jwk.kid))) {
    throw new PublicKeyError('The JWK kid must be 1 to 128 characters of A-Z a-z 0-9 . _ -');
  }
  const members: Record<string, string> = { kty };
  for (const name of THUMBPRINT_MEMBERS[kty]) {
    if (name === 'kty') continue;
    const value = jwk[name];
    if (typeof value !== 'string') throw new PublicKeyError(`The ${kty} JWK needs its ${name} member`);
    // node's base64 decoder skips stray characters; refuse them instead of guessing.
    if (name !== 'crv' && !BASE64URL.test(value)) throw new PublicKeyError(`The JWK ${name} member must be base64url without padding`);
    members[name] = value;
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: members as JsonWebKey, format: 'jwk' });
  } catch {
    throw new PublicKeyError('The JWK cannot be read as a public key');
  }
  const parsed = fromKeyObject(key, jwk.kid as string | undefined);
  if (jwk.alg !== undefined && !(parsed.algorithms as readonly unknown[]).includes(jwk.alg)) {
    throw new PublicKeyError(`The JWK alg does not fit this ${parsed.keyType} key; use one of ${parsed.algorithms.join(', ')}`);
  }
  return parsed;
}

function fromKeyObject(key: KeyObject, kid: string | undefined): RegisteredPublicKey {
  const details = key.asymmetricKeyDetails ?? {};
  let keyType: PublicKeyType;
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS) throw new PublicKeyError(`RSA keys must have at least ${MIN_RSA_BITS} bits`);
      if (bits > MAX_RSA_BITS) throw new PublicKeyError(`RSA keys must have at most ${MAX_RSA_BITS} bits`);
      // 65537 only: an exponent of 1 makes every message its own signature, an even one is no RSA key,
      // and a huge one makes each verification cost what the key's holder chooses.
      if (details.publicExponent !== 65537n) throw new PublicKeyError('The RSA public exponent must be 65537');
      keyType = 'RSA';
      break;
    }
    case 'ec':
      if (details.namedCurve !== 'prime256v1') throw new PublicKeyError('EC keys must be on the P-256 curve');
      keyType = 'EC';
      break;
    case 'ed25519':
      keyType = 'OKP';
      break;
    default:
      throw new PublicKeyError('Keys must be RSA (2048 bits or more), EC P-256 or Ed25519');
  }
  // Thumbprint and stored JWK come from node's re-export, so they are canonical whatever the input spelling.
  const exported = key.export({ format: 'jwk' }) as Record<string, unknown>;
  const canonical = Object.fromEntries(THUMBPRINT_MEMBERS[keyType].map((name) => [name, name === 'kty' ? keyType : exported[name]]));
  const thumbprint = createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
  const finalKid = kid ?? thumbprint;
  return {
    kid: finalKid,
    jwk: { ...(canonical as JsonWebKey), kty: keyType, kid: finalKid },
    algorithms: ALGORITHMS[keyType],
    keyType,
    thumbprint,
  };
}

function parseJson(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PublicKeyError('The key is neither PEM nor valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new PublicKeyError('The JWK must be a JSON object');
  // {"kid":"a","kid":"b"} reads differently in other parsers; such a key is ambiguous.
  if (hasDuplicateMemberNames(text)) throw new PublicKeyError('The JWK has duplicate members');
  return parsed as Record<string, unknown>;
}

function serializedSize(input: object): number {
  try {
    return Buffer.byteLength(JSON.stringify(input) ?? '', 'utf8');
  } catch {
    // Circular structures and BigInts are no JWK.
    throw new PublicKeyError('The JWK must be a plain JSON object');
  }
}
