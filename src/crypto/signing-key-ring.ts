import { createPrivateKey, createPublicKey, createHash, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { encodeBase64Url } from './base64url.js';

/** A public signing key as published at the JWKS endpoint. */
export interface PublishedJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly alg: 'ES256';
  readonly use: 'sig';
}

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly published: PublishedJwk;
}

/**
 * The issuer's ES256 keys. The first key signs; all are published and verify.
 * Signing uses node:crypto key objects directly: about 2.5x jose's SignJWT.
 */
export class SigningKeyRing {
  private readonly keys: readonly SigningKey[];
  private readonly byKid: ReadonlyMap<string, SigningKey>;

  constructor(privateJwks: readonly Record<string, unknown>[]) {
    if (privateJwks.length === 0) throw new SigningKeyError('a signing key ring needs at least one key');
    this.keys = privateJwks.map(toSigningKey);
    this.byKid = new Map(this.keys.map((key) => [key.kid, key]));
    if (this.byKid.size !== this.keys.length) throw new SigningKeyError('signing keys must have distinct kids');
  }

  get currentKid(): string {
    return this.keys[0].kid;
  }

  /** Signs a compact JWS with the current key; `header` fields beyond alg/kid are the caller's. */
  signJwt(header: Record<string, unknown>, payload: Record<string, unknown>): string {
    const key = this.keys[0];
    const signingInput = `${encodeBase64Url(JSON.stringify({ ...header, alg: 'ES256', kid: key.kid }))}.${encodeBase64Url(JSON.stringify(payload))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${encodeBase64Url(signature)}`;
  }

  verificationKey(kid: string): KeyObject | undefined {
    return this.byKid.get(kid)?.publicKey;
  }

  publicJwks(): { keys: PublishedJwk[] } {
    return { keys: this.keys.map((key) => key.published) };
  }
}

/** A fresh P-256 private JWK with its RFC 7638 thumbprint as kid. */
export function generateSigningJwk(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
  return { ...jwk, kid: ecThumbprint(jwk), alg: 'ES256', use: 'sig' };
}

function toSigningKey(jwk: Record<string, unknown>, index: number): SigningKey {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
    throw new SigningKeyError(`signing key #${index + 1} must be a private EC P-256 JWK (ES256)`);
  }
  if (jwk.alg !== undefined && jwk.alg !== 'ES256') throw new SigningKeyError(`signing key #${index + 1} has alg other than ES256`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
  } catch {
    throw new SigningKeyError(`signing key #${index + 1} is not a valid private key`);
  }
  const publicKey = createPublicKey(privateKey);
  const publicJwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  // Node takes x/y from the JWK as given and does not check them against d: prove the pair works.
  const probe = Buffer.from('signing key self-test');
  if (!verify('sha256', probe, publicKey, sign('sha256', probe, privateKey))) {
    throw new SigningKeyError(`signing key #${index + 1}: its private and public parts do not match`);
  }
  const kid = typeof jwk.kid === 'string' && jwk.kid.length > 0 ? jwk.kid : ecThumbprint({ crv: 'P-256', kty: 'EC', ...publicJwk });
  return {
    kid,
    privateKey,
    publicKey,
    published: { kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.y, kid, alg: 'ES256', use: 'sig' },
  };
}

/** RFC 7638 thumbprint of an EC key: required members in lexicographic order. */
function ecThumbprint(jwk: Record<string, unknown>): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}
