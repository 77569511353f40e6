import { createHash, createPublicKey, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import { decodeBase64Url, encodeBase64Url } from './base64url.js';
import { JWS_ALGORITHMS, type JwsAlgorithm } from './jws-algorithms.js';
import { signJws, verifyJwsSignature } from './jws-signature.js';
import { parsePublicKey, PublicKeyError, type RegisteredPublicKey, toKeyObject } from './public-key.js';
import { decodeJsonObjectSegment } from './strict-json.js';

/** The algorithms a DPoP proof may be signed with (RFC 9449 §5.1 dpop_signing_alg_values_supported): ours, asymmetric only. */
export const DPOP_ALGORITHMS = JWS_ALGORITHMS;
/** A proof's `iat` may be this far from the verifier's clock, either way (RFC 9449 §11.1). */
export const DPOP_PROOF_MAX_AGE_SECONDS = 60;
/** Far above an honest proof (an RSA-4096 jwk is about 1 kB), far below the header limit. */
const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 255;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Why a proof was refused; the message is safe to show the client. */
export class DpopProofError extends Error {
  override name = 'DpopProofError';
}

/** What the request the proof came with says, for the proof to match. */
export interface DpopExpectations {
  /** The request's method (`htm`). */
  readonly method: string;
  /** The URLs the request may have been addressed to, without query or fragment (`htu`): one of them must match. */
  readonly urls: readonly string[];
  /** The access token sent with the proof, whose hash `ath` must be (RFC 9449 §4.3 item 11); absent at the token endpoint. */
  readonly accessToken?: string;
  /** Seconds since the epoch; injectable for tests. */
  readonly now?: number;
}

export interface VerifiedDpopProof {
  /** RFC 7638 thumbprint of the proof's key: the token's `cnf.jkt`. */
  readonly jkt: string;
  readonly jti: string;
  readonly issuedAt: number;
  /** Until when the proof would be accepted: its jti must stay used until then. */
  readonly acceptedUntil: number;
  /** The server nonce it carries, for the caller to check (RFC 9449 §8). */
  readonly nonce: string | undefined;
}

/**
 * RFC 9449 §4.3: checks a DPoP proof JWT against the request it came with.
 * Header first (typ dpop+jwt, an asymmetric alg of ours, a public `jwk` we
 * accept), then the signature with that key, then the claims (jti, htm,
 * htu, iat within DPOP_PROOF_MAX_AGE_SECONDS, ath). Single use of the jti
 * and the nonce are the caller's: they need shared state. Throws
 * DpopProofError saying what is wrong.
 */
export function verifyDpopProof(proof: string, expected: DpopExpectations): VerifiedDpopProof {
  if (proof.length > MAX_PROOF_LENGTH) throw new DpopProofError('The DPoP proof is too large');
  const parts = proof.split('.');
  if (parts.length !== 3) throw new DpopProofError('The DPoP proof must be a JWS in compact serialization');
  const { alg, key } = headerOf(parts[0]);
  const signature = decodeBase64Url(parts[2]);
  if (signature === null || signature.length === 0) throw new DpopProofError('The DPoP proof signature is malformed');
  const claims = decodeJsonObject(parts[1], 'payload');
  if (!verifyJwsSignature(alg, `${parts[0]}.${parts[1]}`, signature, toKeyObject(key))) {
    throw new DpopProofError('The DPoP proof signature does not verify with its jwk');
  }
  return { jkt: key.thumbprint, ...checkClaims(claims, expected) };
}

/** Parsed headers by their text: a client sends the same header (its key) with every proof, and reading a key costs twice a signature. */
const headers = new Map<string, { readonly alg: JwsAlgorithm; readonly key: RegisteredPublicKey }>();
const HEADERS_KEPT = 5_000;

/** The header's rules (typ dpop+jwt, an asymmetric alg of ours, a public `jwk` we accept, no `crit`), read once per distinct header. */
function headerOf(segment: string): { readonly alg: JwsAlgorithm; readonly key: RegisteredPublicKey } {
  const known = headers.get(segment);
  if (known !== undefined) return known;
  const header = decodeJsonObject(segment, 'header');
  if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'dpop+jwt') throw new DpopProofError('The DPoP proof typ must be dpop+jwt');
  const alg = header.alg;
  if (typeof alg !== 'string') throw new DpopProofError('The DPoP proof header has no alg');
  if (alg.toLowerCase() === 'none') throw new DpopProofError('Unsigned DPoP proofs (alg none) are refused');
  if (/^HS/i.test(alg)) throw new DpopProofError('Symmetric algorithms are refused: sign the DPoP proof with the private key of its jwk');
  if (!(DPOP_ALGORITHMS as readonly string[]).includes(alg)) throw new DpopProofError(`The DPoP proof alg must be one of ${DPOP_ALGORITHMS.join(', ')}`);
  // An extension we do not understand must not be ignored (RFC 7515 §4.1.11).
  if ('crit' in header) throw new DpopProofError('The DPoP proof header parameter "crit" is refused');
  if (header.jwk === null || typeof header.jwk !== 'object' || Array.isArray(header.jwk)) throw new DpopProofError('The DPoP proof header must carry the public key as jwk');
  // A client that sends its private key has lost it: say so rather than use it.
  if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'].some((member) => member in (header.jwk as object))) throw new DpopProofError('The DPoP proof jwk must be a public key: it carries private key members');
  let key: RegisteredPublicKey;
  try {
    key = parsePublicKey(header.jwk);
  } catch (error) {
    if (error instanceof PublicKeyError) throw new DpopProofError(`The DPoP proof jwk is refused: ${error.message}`);
    throw error;
  }
  if (!(key.algorithms as readonly string[]).includes(alg)) throw new DpopProofError(`The DPoP proof alg ${alg} does not fit its ${key.keyType} jwk`);
  const read = { alg: alg as JwsAlgorithm, key };
  if (headers.size >= HEADERS_KEPT) headers.delete(headers.keys().next().value!);
  headers.set(segment, read);
  return read;
}

function checkClaims(claims: Record<string, unknown>, expected: DpopExpectations): Omit<VerifiedDpopProof, 'jkt'> {
  const { jti, htm, htu, iat, ath, nonce } = claims;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH || CONTROL_CHARACTERS.test(jti)) throw new DpopProofError('The DPoP proof has no valid jti');
  if (htm !== expected.method) throw new DpopProofError(`The DPoP proof htm must be ${expected.method}, the method of this request`);
  if (typeof htu !== 'string' || !expected.urls.map(withoutQuery).includes(withoutQuery(htu))) throw new DpopProofError('The DPoP proof htu is not the URL of this request');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new DpopProofError('The DPoP proof iat must be a NumericDate');
  const now = expected.now ?? Date.now() / 1000;
  if (Math.abs(now - iat) > DPOP_PROOF_MAX_AGE_SECONDS) throw new DpopProofError(`The DPoP proof iat must be within ${DPOP_PROOF_MAX_AGE_SECONDS} s of the server's clock`);
  if (expected.accessToken !== undefined) {
    const hash = Buffer.from(dpopAccessTokenHash(expected.accessToken));
    if (typeof ath !== 'string' || ath.length !== hash.length || !timingSafeEqual(Buffer.from(ath), hash)) throw new DpopProofError('The DPoP proof ath is not the hash of the access token sent with it');
  }
  if (nonce !== undefined && (typeof nonce !== 'string' || nonce.length > MAX_JTI_LENGTH)) throw new DpopProofError('The DPoP proof nonce is malformed');
  return { jti, issuedAt: iat, acceptedUntil: Math.ceil(iat + DPOP_PROOF_MAX_AGE_SECONDS), nonce };
}

/**
 * An `htu` compared as RFC 9449 §4.3 item 9 says: without query and
 * fragment, after the WHATWG URL's normalisation (scheme and host case,
 * default port, dot segments). Null for no http(s) URL, which matches nothing.
 */
function withoutQuery(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? `${parsed.origin}${parsed.pathname}` : null;
  } catch {
    return null;
  }
}

/** `ath`: base64url of the SHA-256 of the access token's ASCII text (RFC 9449 §4.2). */
export function dpopAccessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/** What a client puts in a proof. */
export interface DpopProofRequest {
  readonly method: string;
  /** The URL requested; query and fragment are dropped. */
  readonly url: string;
  /** The access token the proof goes with (its hash becomes `ath`). */
  readonly accessToken?: string;
  /** The server's latest DPoP-Nonce. */
  readonly nonce?: string;
  /** Seconds since the epoch; injectable for tests. */
  readonly now?: number;
}

/**
 * A client's DPoP proof for one request (RFC 9449 §4.2), signed with its
 * private key (EC P-256: ES256, Ed25519: EdDSA, RSA: PS256 unless `alg`
 * says RS256), the public half in the header.
 */
export function createDpopProof(privateKey: KeyObject, request: DpopProofRequest, alg: JwsAlgorithm = defaultAlgorithm(privateKey)): string {
  const { kty, crv, x, y, n, e } = createPublicKey(privateKey).export({ format: 'jwk' });
  const jwk = Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, value]) => value !== undefined));
  const url = new URL(request.url);
  const payload = {
    jti: randomUUID(),
    htm: request.method,
    htu: `${url.origin}${url.pathname}`,
    iat: Math.floor(request.now ?? Date.now() / 1000),
    ...(request.accessToken === undefined ? {} : { ath: dpopAccessTokenHash(request.accessToken) }),
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
  };
  const input = `${encodeBase64Url(JSON.stringify({ typ: 'dpop+jwt', alg, jwk }))}.${encodeBase64Url(JSON.stringify(payload))}`;
  return `${input}.${signJws(alg, input, privateKey).toString('base64url')}`;
}

function defaultAlgorithm(key: KeyObject): JwsAlgorithm {
  if (key.asymmetricKeyType === 'ec') return 'ES256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'rsa') return 'PS256';
  throw new DpopProofError('A DPoP key must be EC P-256, Ed25519 or RSA');
}

function decodeJsonObject(segment: string, part: string): Record<string, unknown> {
  const decoded = decodeJsonObjectSegment(segment);
  if ('problem' in decoded) throw new DpopProofError(`The DPoP proof ${part} ${decoded.problem}`);
  return decoded.object;
}
