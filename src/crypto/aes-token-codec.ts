import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeBase64Url } from './base64url.js';

/**
 * Self-contained registrant tokens: AES-256-CBC with a fresh random IV,
 * encrypt-then-MAC with HMAC-SHA256 over everything before the tag, both
 * keys derived by HKDF-SHA256 from a secret. Layout, then base64url:
 *
 *   version (1) | key id (4) | IV (16) | ciphertext (16·n) | tag (32)
 *
 * The key id is in clear so that keys rotate: previous secrets still verify,
 * only the current one issues. The tag is compared in constant time before
 * anything is decrypted, and every failure gives the same `null`, so there
 * is no padding oracle and no way to tell bad keys from bad bytes.
 */

const VERSION = 1;
const KEY_ID_LENGTH = 4;
const IV_LENGTH = 16;
const TAG_LENGTH = 32;
const HEADER_LENGTH = 1 + KEY_ID_LENGTH;
const MIN_LENGTH = HEADER_LENGTH + IV_LENGTH + 16 + TAG_LENGTH;
/** Longest token accepted, in characters: far above any payload we issue. */
export const MAX_TOKEN_LENGTH = 2048;
export const MIN_SECRET_BYTES = 32;
const HKDF_SALT = Buffer.from('token-issuer registrant token v1');

export class TokenSecretError extends Error {
  override name = 'TokenSecretError';
}

/** What every token carries; `typ` keeps other payload kinds from being accepted as this one. */
export interface RegistrantTokenPayload {
  readonly typ: 'registrant';
  /** Entity UUID (the `sub`). */
  readonly eid: string;
  readonly entity_id: number;
  readonly name: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
}

interface TokenKey {
  /** Version and key id: the first bytes of every token under this key. */
  readonly header: Buffer;
  readonly encryptionKey: Buffer;
  readonly macKey: Buffer;
}

export class AesTokenCodec {
  private readonly current: TokenKey;
  /** By the key id read as a 32-bit integer: cheaper on every decode than a hex string. */
  private readonly byId: ReadonlyMap<number, TokenKey>;

  /** `secret` issues and verifies; `previous` secrets only verify. */
  constructor(secret: string, previous: readonly string[] = [], private readonly leewaySeconds = 5) {
    this.current = deriveKey(secret);
    const keys = [this.current, ...previous.map(deriveKey)];
    this.byId = new Map(keys.map((key) => [key.header.readUInt32BE(1), key]));
  }

  /** The current key's id, for logs and metrics: derived, it reveals nothing of the secret. */
  get currentKeyId(): string {
    return this.current.header.toString('hex', 1);
  }

  encode(payload: RegistrantTokenPayload): string {
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv('aes-256-cbc', this.current.encryptionKey, iv);
    const body = Buffer.concat([this.current.header, iv, cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    const tag = createHmac('sha256', this.current.macKey).update(body).digest();
    return Buffer.concat([body, tag]).toString('base64url');
  }

  /** The payload of a valid, unexpired token; null for anything else, whatever went wrong. */
  decode(token: unknown, nowSeconds = Date.now() / 1000): RegistrantTokenPayload | null {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
    const bytes = decodeBase64Url(token);
    if (bytes === null || bytes.length < MIN_LENGTH || (bytes.length - HEADER_LENGTH - IV_LENGTH - TAG_LENGTH) % 16 !== 0) return null;
    if (bytes[0] !== VERSION) return null;
    const key = this.byId.get(bytes.readUInt32BE(1));
    if (key === undefined) return null;

    const tagStart = bytes.length - TAG_LENGTH;
    const expected = createHmac('sha256', key.macKey).update(bytes.subarray(0, tagStart)).digest();
    if (!timingSafeEqual(expected, bytes.subarray(tagStart))) return null;

    let payload: unknown;
    try {
      // Unpadded here rather than by final(): one native call and one copy fewer. The tag is authentic by
      // now, so the padding check can be no oracle; it stays so that nothing malformed gets through.
      const decipher = createDecipheriv('aes-256-cbc', key.encryptionKey, bytes.subarray(HEADER_LENGTH, HEADER_LENGTH + IV_LENGTH)).setAutoPadding(false);
      const padded = decipher.update(bytes.subarray(HEADER_LENGTH + IV_LENGTH, tagStart));
      const end = unpaddedLength(padded);
      if (end < 0) return null;
      payload = JSON.parse(padded.toString('utf8', 0, end));
    } catch {
      return null; // unreachable with an authentic tag, kept so nothing ever throws
    }
    if (!isPayload(payload) || nowSeconds > payload.exp + this.leewaySeconds) return null;
    return payload;
  }
}

function deriveKey(secret: string): TokenKey {
  const material = Buffer.from(secret, 'utf8');
  if (material.length < MIN_SECRET_BYTES) throw new TokenSecretError(`token secrets must be at least ${MIN_SECRET_BYTES} bytes`);
  const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', material, HKDF_SALT, info, length));
  return { header: Buffer.concat([Buffer.from([VERSION]), derive('key id', KEY_ID_LENGTH)]), encryptionKey: derive('aes-256-cbc key', 32), macKey: derive('hmac-sha256 key', 32) };
}

/** PKCS#7 (RFC 5652 §6.3): the length without the padding, -1 if the padding is malformed. */
function unpaddedLength(plaintext: Buffer): number {
  const pad = plaintext[plaintext.length - 1];
  if (pad < 1 || pad > 16) return -1;
  for (let i = plaintext.length - pad; i < plaintext.length - 1; i++) if (plaintext[i] !== pad) return -1;
  return plaintext.length - pad;
}

function isPayload(value: unknown): value is RegistrantTokenPayload {
  const payload = value as Record<string, unknown> | null;
  return (
    payload !== null &&
    typeof payload === 'object' &&
    payload.typ === 'registrant' &&
    typeof payload.eid === 'string' &&
    Number.isSafeInteger(payload.entity_id) &&
    typeof payload.name === 'string' &&
    typeof payload.jti === 'string' &&
    Number.isFinite(payload.iat) &&
    Number.isFinite(payload.exp)
  );
}
