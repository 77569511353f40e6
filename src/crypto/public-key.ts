import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/** A client's registered public key, as stored and as used to verify its assertions. */
export interface RegisteredPublicKey {
  readonly kid: string;
  /** Public members only, with kid. */
  readonly jwk: JsonWebKey & { kty: string; kid: string };
  readonly algorithms: readonly ('RS256' | 'PS256' | 'ES256' | 'EdDSA')[];
  readonly keyType: 'RSA' | 'EC' | 'OKP';
  /** RFC 7638 JWK thumbprint (SHA-256, base64url). */
  readonly thumbprint: string;
}

export class PublicKeyError extends Error {
  override name = 'PublicKeyError';
}

const MAX_INPUT_LENGTH = 16 * 1024;
const KID = /^[A-Za-z0-9._-]{1,128}$/;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const ALGORITHMS = { RSA: ['RS256', 'PS256'], EC: ['ES256'], OKP: ['EdDSA'] } as const;
// RFC 7638 §3.2: the required members of each key type, in lexicographic order.
const THUMBPRINT_MEMBERS = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] } as const;

/**
 * Accepts a client public key as SPKI or PKCS#1 PEM, a JWK object, or a JWK
 * as JSON text: RSA of at least 2048 bits, EC P-256 or Ed25519. Anything
 * else (private or symmetric keys, certificates, other curves) is refused.
 */
export function parsePublicKey(input: unknown): RegisteredPublicKey {
  if (typeof input === 'string') {
    if (input.length > MAX_INPUT_LENGTH) throw new PublicKeyError('The key is too large');
    const text = input.trim();
    if (text.startsWith('{')) return fromJwk(parseJson(text));
    return fromPem(text);
  }
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    if (JSON.stringify(input).length > MAX_INPUT_LENGTH) throw new PublicKeyError('The key is too large');
    return fromJwk(input as Record<string, unknown>);
  }
  throw new PublicKeyError('The key must be a PEM public key or a JWK');
}

export function toKeyObject(key: RegisteredPublicKey): KeyObject {
  return createPublicKey({ key: key.jwk, format: 'jwk' });
}

function fromPem(text: string): RegisteredPublicKey {
  const blocks = text.match(/-----BEGIN ([A-Z ]+)-----/g) ?? [];
  if (blocks.length === 0) throw new PublicKeyError('The key must be a PEM public key (-----BEGIN PUBLIC KEY-----) or a JWK');
  if (blocks.length > 1) throw new PublicKeyError('The key must be exactly one PEM block');
  if (/PRIVATE KEY/.test(blocks[0] ?? '')) throw new PublicKeyError('That is a private key: register the public key only');
  if (!/^-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)) throw new PublicKeyError('The PEM block must be a PUBLIC KEY or RSA PUBLIC KEY');
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
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') throw new PublicKeyError('The JWK kty must be RSA, EC or OKP');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new PublicKeyError('The JWK use must be sig');
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || !KID.test(jwk.kid))) {
    throw new PublicKeyError('The JWK kid must be 1 to 128 characters of A-Z a-z 0-9 . _ -');
  }
  const members = Object.fromEntries(THUMBPRINT_MEMBERS[jwk.kty].map((name) => [name, jwk[name]]));
  let key: KeyObject;
  try {
    key = createPublicKey({ key: members as JsonWebKey, format: 'jwk' });
  } catch {
    throw new PublicKeyError('The JWK cannot be read as a public key');
  }
  const parsed = fromKeyObject(key, jwk.kid as string | undefined);
  if (jwk.alg !== undefined && !(parsed.algorithms as readonly unknown[]).includes(jwk.alg)) {
    throw new PublicKeyError(`The JWK alg does not fit a ${parsed.keyType} key; use one of ${parsed.algorithms.join(', ')}`);
  }
  return parsed;
}

function fromKeyObject(key: KeyObject, kid: string | undefined): RegisteredPublicKey {
  const details = key.asymmetricKeyDetails ?? {};
  let keyType: RegisteredPublicKey['keyType'];
  switch (key.asymmetricKeyType) {
    case 'rsa':
      if ((details.modulusLength ?? 0) < 2048) throw new PublicKeyError('RSA keys must have at least 2048 bits');
      keyType = 'RSA';
      break;
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
  const exported = key.export({ format: 'jwk' }) as Record<string, unknown>;
  const canonical = Object.fromEntries(THUMBPRINT_MEMBERS[keyType].map((name) => [name, exported[name]]));
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
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the one message below
  }
  throw new PublicKeyError('The key is neither PEM nor a JSON Web Key');
}
