import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { SecretDigest } from '../crypto/secret-digest.js';

/** How long a setup link may be used. */
export const SETUP_LINK_TTL_SECONDS = 30 * 60;
/** The code's grammar: SecretDigest.generate's 256 random bits in base64url. */
const CODE = /^[A-Za-z0-9_-]{43}$/;

/** An unused, unexpired link as a redemption reads it. */
export interface SetupLink {
  readonly email: string | null;
  readonly expiresAt: Date;
}

/** Where the portal's setup page takes the code: in the fragment, which no browser sends to a server or in a Referer. */
export function setupUrl(publicUrl: string, code: string): string {
  return `${publicUrl}/portal/#/setup/${code}`;
}

/**
 * The setup links of operator persons, by their codes (256 random bits,
 * stored only as SecretDigest digests under TOKEN_SECRET, so that the
 * service and `npm run operator` agree). One live link per kind: a new
 * start link replaces an unused one from an earlier start, a link for an
 * e-mail replaces an unused one for the same e-mail. A link is used at most
 * once (one conditional UPDATE), whatever process redeems it.
 */
export class SetupLinks {
  constructor(private readonly digest: SecretDigest) {}

  /**
   * A new link's code; the caller holds lockOperatorBootstrap in `tx`.
   * Expired and used links are purged here, so the table holds at most the
   * links made within the last SETUP_LINK_TTL_SECONDS.
   */
  async issue(tx: EntityManager, email: string | null): Promise<{ code: string; expiresAt: Date }> {
    const code = SecretDigest.generate();
    await tx.query('DELETE FROM operator_setup_links WHERE expires_at <= now() OR used_at IS NOT NULL OR email IS NOT DISTINCT FROM $1', [email]);
    const [row]: { expires_at: Date }[] = await tx.query(
      `INSERT INTO operator_setup_links (id, code_digest, email, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))
       RETURNING expires_at`,
      [randomUUID(), this.digest.digest(code), email, SETUP_LINK_TTL_SECONDS],
    );
    return { code, expiresAt: new Date(row.expires_at) };
  }

  /** Ends the unused link a start printed (an operator person exists now, so it could never be used). */
  async withdrawStartLink(tx: EntityManager): Promise<void> {
    await tx.query('DELETE FROM operator_setup_links WHERE email IS NULL AND used_at IS NULL');
  }

  /** The link behind `code` while it may be used, or null (unknown, malformed, used or expired). */
  async find(tx: EntityManager, code: string): Promise<SetupLink | null> {
    if (!CODE.test(code)) return null;
    const [row]: { email: string | null; expires_at: Date }[] = await tx.query(
      'SELECT email, expires_at FROM operator_setup_links WHERE code_digest = ANY($1) AND used_at IS NULL AND expires_at > now()',
      [this.digest.digestsUnderEveryKey(code)],
    );
    return row === undefined ? null : { email: row.email, expiresAt: new Date(row.expires_at) };
  }

  /**
   * Marks the link used, in the caller's transaction: of concurrent
   * redemptions on any process, exactly one gets the link (the others wait
   * on its row, then find it used); if that transaction rolls back, the link
   * is unused again.
   */
  async use(tx: EntityManager, code: string): Promise<SetupLink | null> {
    if (!CODE.test(code)) return null;
    // TypeORM answers an UPDATE … RETURNING with [rows, count].
    const [[row]]: [{ email: string | null; expires_at: Date }[], number] = await tx.query(
      `UPDATE operator_setup_links SET used_at = now()
        WHERE code_digest = ANY($1) AND used_at IS NULL AND expires_at > now() RETURNING email, expires_at`,
      [this.digest.digestsUnderEveryKey(code)],
    );
    return row === undefined ? null : { email: row.email, expiresAt: new Date(row.expires_at) };
  }
}
