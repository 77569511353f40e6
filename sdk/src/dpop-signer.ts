import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createDpopProof } from '../../src/crypto/dpop-proof.js';

/**
 * A client's DPoP key (RFC 9449) and the server nonces it has been given:
 * a fresh proof for every request, carrying the latest nonce of that
 * server (by origin) and, at a resource, the access token's hash.
 */
export class DpopSigner {
  private readonly nonces = new Map<string, string>();

  /** `privateKey`: EC P-256, Ed25519 or RSA; by default a new P-256 key of this session alone. */
  constructor(readonly privateKey: KeyObject = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey) {}

  /** The DPoP header for `method url` (the URL the server knows itself by), with `accessToken`'s hash at a resource. */
  proof(method: string, url: string | URL, accessToken?: string): string {
    const target = new URL(url);
    return createDpopProof(this.privateKey, { method: method.toUpperCase(), url: target.href, accessToken, nonce: this.nonces.get(target.origin) });
  }

  /**
   * Remembers the DPoP-Nonce a response of `url`'s server carries; true when
   * the response asks for a retry with it (use_dpop_nonce: 400 at the token
   * endpoint, 401 with a DPoP challenge at a resource).
   */
  heard(url: string | URL, response: Response, body?: { error?: string }): boolean {
    const nonce = response.headers.get('dpop-nonce');
    if (nonce === null) return false;
    const origin = new URL(url).origin;
    const changed = this.nonces.get(origin) !== nonce;
    this.nonces.set(origin, nonce);
    if (this.nonces.size > 100) this.nonces.delete(this.nonces.keys().next().value!);
    const asked = body?.error === 'use_dpop_nonce' || /^DPoP\b.*error="use_dpop_nonce"/i.test(response.headers.get('www-authenticate') ?? '');
    return asked && changed;
  }
}
