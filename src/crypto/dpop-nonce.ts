import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { decodeBase64Url } from './base64url.js';

/** A nonce is current for one window and accepted in the next (and the one before, for replicas whose clocks run ahead). */
export const DPOP_NONCE_WINDOW_SECONDS = 60;
const WINDOW_BYTES = 6;
const MAC_BYTES = 16;

/**
 * Server-provided DPoP nonces (RFC 9449 §8) with no state to share: a nonce
 * is a time window and its HMAC under a key derived from TOKEN_SECRET, so
 * every replica and worker issues the same nonce in the same window and
 * accepts any other's. A nonce bounds how far ahead a proof can be made; the
 * jti store still makes each proof single use.
 */
export class DpopNonces {
  private readonly key: Buffer;

  constructor(secret: string, private readonly windowSeconds = DPOP_NONCE_WINDOW_SECONDS) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'token-issuer dpop-nonce v1', 32));
  }

  /** The nonce of the current window. */
  current(nowMs: number = Date.now()): string {
    return this.nonceOf(this.windowAt(nowMs));
  }

  /** Whether `nonce` is this server's, of the current window, the one before, or the one after. */
  accepts(nonce: string, nowMs: number = Date.now()): boolean {
    const bytes = decodeBase64Url(nonce);
    if (bytes === null || bytes.length !== WINDOW_BYTES + MAC_BYTES) return false;
    const window = bytes.readUIntBE(0, WINDOW_BYTES);
    if (Math.abs(window - this.windowAt(nowMs)) > 1) return false;
    return timingSafeEqual(bytes.subarray(WINDOW_BYTES), this.mac(window));
  }

  private windowAt(nowMs: number): number {
    return Math.floor(nowMs / 1000 / this.windowSeconds);
  }

  private nonceOf(window: number): string {
    const bytes = Buffer.alloc(WINDOW_BYTES);
    bytes.writeUIntBE(window, 0, WINDOW_BYTES);
    return Buffer.concat([bytes, this.mac(window)]).toString('base64url');
  }

  private mac(window: number): Buffer {
    return createHmac('sha256', this.key).update(`dpop-nonce:${window}`).digest().subarray(0, MAC_BYTES);
  }
}
