import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { MIN_SECRET_BYTES, TokenSecretError } from './aes-token-codec.js';
import { decodeBase64Url } from './base64url.js';

/**
 * Digests of the random secrets the issuer hands out (client secrets,
 * process tokens, refresh tokens), so that only the digest is stored. These
 * secrets carry 256 random bits, so a fast keyed hash is right (no password
 * hash): HMAC-SHA256 under a key derived by HKDF-SHA256 from a token secret,
 * which a database dump alone does not hold. Layout, parts in base64url:
 *
 *   v1.<key id>.<mac>
 *
 * The key id names the token secret, so that secrets rotate: digests under a
 * previous one still verify (and are made again under the current one when
 * `isCurrent` says so).
 */

const VERSION = 'v1';
const KEY_ID_LENGTH = 6;
const MAC_LENGTH = 32;
/** Longest secret looked at, in characters: ours are 43; anything longer is refused unhashed. */
export const MAX_SECRET_LENGTH = 512;
/** Not the other derivations' salts: the same secret gives independent keys. */
const HKDF_SALT = Buffer.from('token-issuer secret digest v1');

interface DigestKey {
  readonly id: string;
  readonly key: Buffer;
}

export class SecretDigest {
  private readonly current: DigestKey;
  private readonly byId: ReadonlyMap<string, DigestKey>;

  /** `secret` digests and verifies; `previous` secrets only verify. */
  constructor(secret: string, previous: readonly string[] = []) {
    this.current = deriveKey(secret);
    const keys = [this.current, ...previous.map(deriveKey)];
    this.byId = new Map(keys.map((key) => [key.id, key]));
  }

  /** A new random secret of 256 bits, base64url (43 characters). */
  static generate(): string {
    return randomBytes(32).toString('base64url');
  }

  digest(value: string): string {
    return `${VERSION}.${this.current.id}.${mac(this.current.key, value).toString('base64url')}`;
  }

  /**
   * The index of the digest `value` is the secret behind, or -1. Every digest is
   * compared, in constant time, whatever matched; with no digest (no such
   * client, say) one MAC is still computed, so that the answer costs the same.
   */
  matches(value: string, digests: readonly string[]): number {
    let found = -1;
    if (typeof value !== 'string' || value.length > MAX_SECRET_LENGTH) return found;
    const macs = new Map<string, Buffer>();
    const macUnder = (key: DigestKey) => macs.get(key.id) ?? macs.set(key.id, mac(key.key, value)).get(key.id)!;
    if (digests.length === 0) macUnder(this.current);
    digests.forEach((digest, index) => {
      const [version, keyId, stored, ...rest] = digest.split('.');
      const key = this.byId.get(keyId);
      const expected = stored === undefined ? null : decodeBase64Url(stored);
      if (version !== VERSION || key === undefined || rest.length > 0 || expected === null || expected.length !== MAC_LENGTH) return;
      if (timingSafeEqual(macUnder(key), expected) && found === -1) found = index;
    });
    return found;
  }

  /** The digests of `value` under every token secret, current first: to look a secret up by its digest. */
  digestsUnderEveryKey(value: string): string[] {
    return [...this.byId.values()].map((key) => `${VERSION}.${key.id}.${mac(key.key, value).toString('base64url')}`);
  }

  /** Whether a digest is under the current token secret (otherwise make it again at its next successful use). */
  isCurrent(digest: string): boolean {
    return digest.startsWith(`${VERSION}.${this.current.id}.`);
  }
}

function mac(key: Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(value, 'utf8').digest();
}

function deriveKey(secret: string): DigestKey {
  const material = Buffer.from(secret, 'utf8');
  if (material.length < MIN_SECRET_BYTES) throw new TokenSecretError(`token secrets must be at least ${MIN_SECRET_BYTES} bytes`);
  const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', material, HKDF_SALT, info, length));
  return { id: derive('key id', KEY_ID_LENGTH).toString('base64url'), key: derive('hmac-sha256 key', 32) };
}
