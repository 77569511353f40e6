import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeBase64Url } from './base64url.js';
import { JWS_ALGORITHMS, KID_PATTERN, type JwsAlgorithm } from './jws-algorithms.js';
import { verifyJwsSignature } from './jws-signature.js';
import { decodeJsonObjectSegment } from './strict-json.js';
import { RegisteredPublicKey, toKeyObject } from './public-key.js';

/** Why an assertion was refused; the message is safe to show the client. */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

/** Every JWS algorithm of ours may sign an assertion. */
export const ASSERTION_ALGORITHMS = JWS_ALGORITHMS;
export type AssertionAlgorithm = JwsAlgorithm;

/** Largest assertion we read: far above any honest one, far below the body limit. */
export const MAX_ASSERTION_LENGTH = 8192;
// Headers that would let the token choose its own key or change how it is read (RFC 8725 §3.1, §3.10).
const REFUSED_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit', 'b64', 'zip', 'enc'] as const;

/** A structurally sound assertion whose signature has not been checked yet. */
export interface UnverifiedAssertion {
  readonly token: string;
  readonly alg: AssertionAlgorithm;
  readonly kid: string | undefined;
  /** Used only to find the client's keys; trusted after verification. */
  readonly issuer: string;
}

export interface VerifiedAssertion {
  readonly issuer: string;
  readonly subject: string | undefined;
  readonly jti: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** kid of the registered key that verified the signature. */
  readonly kid: string;
}

export interface AssertionPolicy {
  /** Exact `aud` values accepted. */
  readonly audiences: ReadonlySet<string>;
  readonly maxLifetimeSeconds: number;
  readonly clockLeewaySeconds: number;
  /** Seconds since the epoch; injectable for tests. */
  readonly now?: () => number;
}

/** Step 1 of RFC 7523 §3: shape and header policy, before any key is looked up. */
export function parseAssertion(token: string): UnverifiedAssertion {
  if (token.length > MAX_ASSERTION_LENGTH) throw new AssertionError('The assertion is too large');
  const parts = token.split('.');
  if (parts.length !== 3) throw new AssertionError('The assertion must be a JWS in compact serialization');
  const header = decodeJsonObject(parts[0], 'header');

  const alg = header.alg;
  if (typeof alg !== 'string') throw new AssertionError('The assertion header has no alg');
  if (alg.toLowerCase() === 'none') throw new AssertionError('Unsigned assertions (alg none) are refused');
  if (/^HS/i.test(alg)) throw new AssertionError('Symmetric algorithms are refused; sign with a registered private key');
  if (!(ASSERTION_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new AssertionError(`The algorithm ${safe(alg)} is not supported; use one of ${ASSERTION_ALGORITHMS.join(', ')}`);
  }
  for (const name of REFUSED_HEADERS) {
    if (name in header) throw new AssertionError(`The assertion header parameter "${name}" is refused`);
  }
  const payload = decodeJsonObject(parts[1], 'payload');
  if (parts[2].length === 0 || decodeBase64Url(parts[2]) === null) throw new AssertionError('The assertion signature is malformed');
  const kid = header.kid;
  if (kid !== undefined && (typeof kid !== 'string' || !KID_PATTERN.test(kid))) {
    throw new AssertionError('The assertion header kid is malformed');
  }
  const issuer = payload.iss;
  if (typeof issuer !== 'string' || issuer.length === 0 || issuer.length > 255) {
    throw new AssertionError('The assertion has no valid iss (the client_id)');
  }
  return { token, alg: alg as AssertionAlgorithm, kid, issuer };
}

/**
 * The one description of every refusal before the signature holds (unknown
 * client, unknown or unnamed key, wrong key type, bad signature): nothing
 * about a client's existence, status or keys is told to someone who cannot
 * sign for it.
 */
export const UNVERIFIED_ASSERTION = 'The assertion is not signed by a registered key of an active client (a client with more than one key must name it in kid)';

/**
 * Steps 2-3: verify the signature with the client's registered key, then the
 * claims. Nothing in the payload is trusted before the signature holds.
 * `keys` null means no such client. The key is the one `kid` names, or the
 * only one when there is one; exactly one signature is checked whatever the
 * case (a decoy key stands in when there is no candidate), so refusals cost
 * the same and say the same.
 */
export async function verifyAssertion(
  assertion: UnverifiedAssertion,
  keys: readonly RegisteredPublicKey[] | null,
  policy: AssertionPolicy,
): Promise<VerifiedAssertion> {
  const named = keys === null ? undefined : assertion.kid === undefined ? (keys.length === 1 ? keys[0] : undefined) : keys.find((key) => key.kid === assertion.kid);
  const candidate = named !== undefined && named.algorithms.includes(assertion.alg) ? named : undefined;

  const [header, payload, signature] = assertion.token.split('.');
  const signatureBytes = decodeBase64Url(signature)!; // parseAssertion checked it
  const key = candidate === undefined ? decoyKey(assertion.alg) : toKeyObject(candidate);
  const valid = verifyJwsSignature(assertion.alg, `${header}.${payload}`, signatureBytes, key);
  if (!valid || candidate === undefined) throw new AssertionError(UNVERIFIED_ASSERTION);

  // The payload parseAssertion read (a JSON object without repeated members), trusted only from here on.
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return checkClaims(claims, assertion.issuer, candidate.kid, policy);
}

const decoys = new Map<string, KeyObject>();

/** A public key no one holds the private half of, of the kind `alg` verifies with, made once. */
function decoyKey(alg: AssertionAlgorithm): KeyObject {
  const type = alg === 'ES256' ? 'ec' : alg === 'EdDSA' ? 'ed25519' : 'rsa';
  let key = decoys.get(type);
  if (key === undefined) {
    key = type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey
      : type === 'ed25519' ? generateKeyPairSync('ed25519').publicKey : generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    decoys.set(type, key);
  }
  return key;
}

function checkClaims(claims: Record<string, unknown>, issuer: string, kid: string, policy: AssertionPolicy): VerifiedAssertion {
  if (claims.iss !== issuer) throw new AssertionError('The assertion iss is invalid');
  const subject = claims.sub;
  if (subject !== undefined && (typeof subject !== 'string' || subject.length === 0 || subject.length > 512)) {
    throw new AssertionError('The assertion sub must be a non-empty string');
  }
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
  if (!Array.isArray(audiences) || audiences.length === 0 || !audiences.every((a) => typeof a === 'string')) {
    throw new AssertionError('The assertion has no valid aud');
  }
  if (!audiences.some((a) => policy.audiences.has(a))) {
    throw new AssertionError('The assertion aud does not name this token endpoint');
  }
  const jti = claims.jti;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 255 || /[\u0000-\u001f\u007f-\u009f]/.test(jti)) {
    throw new AssertionError('The assertion has no valid jti');
  }
  const issuedAt = numericDate(claims.iat, 'iat', true)!;
  const expiresAt = numericDate(claims.exp, 'exp', true)!;
  const notBefore = numericDate(claims.nbf, 'nbf', false);

  const now = policy.now?.() ?? Date.now() / 1000;
  const leeway = policy.clockLeewaySeconds;
  if (expiresAt <= issuedAt) throw new AssertionError('The assertion exp must be after its iat');
  if (expiresAt - issuedAt > policy.maxLifetimeSeconds) {
    throw new AssertionError(`The assertion lifetime (exp - iat) must be at most ${policy.maxLifetimeSeconds} s`);
  }
  if (now > expiresAt + leeway) throw new AssertionError('The assertion has expired');
  if (issuedAt > now + leeway) throw new AssertionError('The assertion iat is in the future');
  if (notBefore !== undefined && notBefore > now + leeway) throw new AssertionError('The assertion is not valid yet (nbf)');
  return { issuer, subject: subject as string | undefined, jti, issuedAt, expiresAt, kid };
}

/** RFC 7519 NumericDate: a JSON number, within the range a Date can hold. */
function numericDate(value: unknown, name: string, required: boolean): number | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 8.64e12) {
    throw new AssertionError(`The assertion ${name} must be a NumericDate`);
  }
  return value;
}

function decodeJsonObject(segment: string, part: string): Record<string, unknown> {
  const decoded = decodeJsonObjectSegment(segment);
  if ('problem' in decoded) throw new AssertionError(`The assertion ${part} ${decoded.problem}`);
  return decoded.object;
}

function safe(text: string): string {
  return JSON.stringify(text.slice(0, 20));
}
