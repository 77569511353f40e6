import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { MIN_SECRET_BYTES, TokenSecretError } from './aes-token-codec.js';
import { decodeBase64Url } from './base64url.js';

/**
 * Seals the private signing JWKs kept in the database, so that a dump of the
 * database alone cannot mint tokens. AES-256-GCM under a key derived by
 * HKDF-SHA256 from a token secret, a fresh random IV each time, and the kid as
 * additional authenticated data (a sealed key moved onto another row does not
 * open). Parts in base64url:
 *
 *   v1.<key id>.<IV>.<ciphertext>.<tag>
 *
 * The key id names the secret, so that secrets rotate: previous secrets still
 * unseal, only the current one seals.
 */

const VERSION = 'v1';
const KEY_ID_LENGTH = 6;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
/** Longest sealed value accepted, in characters: a sealed P-256 JWK is about 400. */
const MAX_SEALED_LENGTH = 4096;
/** Not the registrant-token codec's salt: the same secret gives independent keys. */
const HKDF_SALT = Buffer.from('token-issuer signing key sealer v1');

export class SealedKeyError extends Error {
  override name = 'SealedKeyError';
}

interface SealingKey {
  readonly id: string;
  readonly key: Buffer;
}

export class SigningKeySealer {
  private readonly current: SealingKey;
  private readonly byId: ReadonlyMap<string, SealingKey>;

  /** `secret` seals and unseals; `previous` secrets only unseal. */
  constructor(secret: string, previous: readonly string[] = []) {
    this.current = deriveKey(secret);
    const keys = [this.current, ...previous.map(deriveKey)];
    this.byId = new Map(keys.map((key) => [key.id, key]));
  }

  seal(privateJwk: Record<string, unknown>, kid: string): string {
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(Buffer.from(kid, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(privateJwk), 'utf8'), cipher.final()]);
    return [VERSION, this.current.id, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The JWK sealed for `kid`; a SealedKeyError naming the kid (and never any key material) for anything else. */
  unseal(sealed: string, kid: string): Record<string, unknown> {
    const parts = typeof sealed === 'string' && sealed.length <= MAX_SEALED_LENGTH ? sealed.split('.') : [];
    if (parts.length !== 5 || parts[0] !== VERSION) throw new SealedKeyError(`signing key ${kid} is not a sealed key`);
    const key = this.byId.get(parts[1]);
    if (key === undefined) {
      throw new SealedKeyError(
        `signing key ${kid} was sealed with a TOKEN_SECRET this service does not have: set TOKEN_SECRET to the secret it was sealed with, ` +
          'or, after changing TOKEN_SECRET, list the old secret in TOKEN_SECRETS_PREVIOUS',
      );
    }
    const [iv, ciphertext, tag] = parts.slice(2).map(decodeBase64Url);
    if (iv?.length !== IV_LENGTH || tag?.length !== TAG_LENGTH || !ciphertext?.length) throw new SealedKeyError(`signing key ${kid} is not a sealed key`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_LENGTH });
      decipher.setAAD(Buffer.from(kid, 'utf8'));
      decipher.setAuthTag(tag);
      const jwk: unknown = JSON.parse(Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8'));
      if (jwk !== null && typeof jwk === 'object' && !Array.isArray(jwk)) return jwk as Record<string, unknown>;
    } catch {
      // a bad tag; reported below
    }
    throw new SealedKeyError(`signing key ${kid} cannot be decrypted: its sealed value was altered or belongs to another kid`);
  }

  /** Whether `sealed` is sealed with the current secret; if not, unseal and seal it again. */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`${VERSION}.${this.current.id}.`);
  }
}

function deriveKey(secret: string): SealingKey {
  const material = Buffer.from(secret, 'utf8');
  if (material.length < MIN_SECRET_BYTES) throw new TokenSecretError(`token secrets must be at least ${MIN_SECRET_BYTES} bytes`);
  const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', material, HKDF_SALT, info, length));
  return { id: derive('key id', KEY_ID_LENGTH).toString('base64url'), key: derive('aes-256-gcm key', 32) };
}
