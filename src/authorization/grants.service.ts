import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SecretDigest } from '../crypto/secret-digest.js';
import { RevocationList } from '../tokens/revocation-list.service.js';

/** A code lives this long (RFC 6749 §4.1.2 recommends at most 10 minutes; FAPI, 60 s). */
export const CODE_SECONDS = 60;

/** What a person granted a client at one login: the tokens' subject, party, scope and session. */
export interface Grant {
  readonly id: string;
  readonly clientId: string;
  readonly entityId: number;
  readonly partyId: number | null;
  /** As formatted by formatCodeFlowScope, without assume:party. */
  readonly scope: string;
  readonly loginSessionId: string | null;
  readonly authTime: Date;
  readonly amr: string[];
  readonly dpopJkt: string | null;
  /** The family's absolute end (REFRESH_TOKEN_TTL from the login). */
  readonly expiresAt: Date;
}

export type NewGrant = Omit<Grant, 'id' | 'expiresAt' | 'dpopJkt'> & { readonly dpopJkt?: string | null };

/** A code as stored, with its grant. */
export interface RedeemableCode {
  readonly codeDigest: string;
  readonly grant: Grant;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly nonce: string | null;
  readonly usedAt: Date | null;
  readonly expired: boolean;
}

/** A refresh token as stored: its digest, when it was used, whether it and its grant are live. */
export interface StoredRefreshToken {
  readonly grant: Grant;
  readonly digest: string;
  readonly usedAt: Date | null;
  readonly live: boolean;
}

/** A grant's columns as Grant's fields, from `grants g`. */
export const GRANT_COLUMNS = `g.id, g.client_id AS "clientId", g.entity_id AS "entityId", g.party_id AS "partyId", g.scope, g.login_session_id AS "loginSessionId",
  g.auth_time AS "authTime", g.amr, g.dpop_jkt AS "dpopJkt", g.expires_at AS "expiresAt"`;

/**
 * Grants and what is issued from them: the one-time code, then refresh
 * tokens that rotate on every use. Ending a grant ends its refresh tokens
 * and, through its id as `sid` on the revocation list, every access token
 * issued from it, on every replica. Codes and refresh tokens are kept as
 * digests; each is used by one conditional UPDATE, so of concurrent uses on
 * any replicas exactly one wins (refresh tokens: RefreshRotation).
 */
@Injectable()
export class Grants {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly digest: SecretDigest,
    private readonly revocations: RevocationList,
  ) {}

  /** A new grant and its code (shown this once). */
  async createWithCode(grant: NewGrant, code: { redirectUri: string; codeChallenge: string; nonce: string | null }): Promise<string> {
    const value = SecretDigest.generate();
    await this.dataSource.transaction(async (tx) => {
      const id = await this.insertGrant(grant, tx);
      await tx.query(
        `INSERT INTO authorization_codes (code_digest, grant_id, redirect_uri, code_challenge, nonce, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
        [this.digest.digest(value), id, code.redirectUri, code.codeChallenge, code.nonce, CODE_SECONDS],
      );
    });
    return value;
  }

  /** A grant without a code (the password grant's), with its first refresh token. */
  async createWithRefreshToken(grant: NewGrant): Promise<{ grant: Grant; refreshToken: string }> {
    return this.dataSource.transaction(async (tx) => {
      const id = await this.insertGrant(grant, tx);
      const stored = (await this.find(id, tx))!;
      return { grant: stored, refreshToken: await this.newRefreshToken(stored, tx) };
    });
  }

  /** The code as stored, used or not (null when unknown), for the grant to check before it uses it. */
  async findCode(code: string): Promise<RedeemableCode | null> {
    if (code.length > 64) return null;
    const [row]: (Grant & { codeDigest: string; redirectUri: string; codeChallenge: string; nonce: string | null; usedAt: Date | null; expired: boolean; grantRevoked: boolean })[] = await this.dataSource.query(
      `SELECT ${GRANT_COLUMNS}, c.code_digest AS "codeDigest", c.redirect_uri AS "redirectUri", c.code_challenge AS "codeChallenge", c.nonce,
              c.used_at AS "usedAt", c.expires_at <= now() AS expired
         FROM authorization_codes c JOIN grants g ON g.id = c.grant_id WHERE c.code_digest = ANY($1)`,
      [this.digest.digestsUnderEveryKey(code)],
    );
    if (row === undefined) return null;
    const { codeDigest, redirectUri, codeChallenge, nonce, usedAt, expired, ...grant } = row;
    return { codeDigest, redirectUri, codeChallenge, nonce, usedAt, expired, grant };
  }

  /** Uses the code: true for the one caller that did, before it expired. */
  async useCode(codeDigest: string): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      'UPDATE authorization_codes SET used_at = now() WHERE code_digest = $1 AND used_at IS NULL AND expires_at > now() RETURNING code_digest',
      [codeDigest],
    );
    return rows.length === 1;
  }

  /** Binds the grant's refresh tokens to a DPoP key (a public client's, RFC 9449 §5). */
  async bindDpopKey(grantId: string, jkt: string): Promise<void> {
    await this.dataSource.query('UPDATE grants SET dpop_jkt = $2 WHERE id = $1 AND dpop_jkt IS NULL', [grantId, jkt]);
  }

  /** The first refresh token of a grant whose code was just used. */
  async firstRefreshToken(grant: Grant): Promise<string> {
    return this.newRefreshToken(grant, this.dataSource.manager);
  }

  /**
   * Ends a grant: its refresh tokens stop, and its access tokens are refused
   * on every replica (their `sid`). Idempotent.
   */
  async end(grantId: string, entityId: number): Promise<void> {
    await this.dataSource.query('UPDATE grants SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [grantId]);
    // No access token of the grant outlives ACCESS_TOKEN_TTL from now.
    await this.revocations.revoke(grantId, new Date(Date.now() + this.config.accessTokenTtlSeconds * 1000), { kind: 'entity', entityId });
  }

  /** Ends every grant made in a login session (RP-initiated logout). */
  async endSession(loginSessionId: string): Promise<number> {
    const grants: { id: string; entity_id: number }[] = await this.dataSource.query('SELECT id, entity_id FROM grants WHERE login_session_id = $1 AND revoked_at IS NULL', [loginSessionId]);
    for (const grant of grants) await this.end(grant.id, grant.entity_id);
    return grants.length;
  }

  /** Ends every grant a person gave a client (her consent withdrawn). */
  async endForClient(entityId: number, clientId: string): Promise<number> {
    const grants: { id: string }[] = await this.dataSource.query('SELECT id FROM grants WHERE entity_id = $1 AND client_id = $2 AND revoked_at IS NULL', [entityId, clientId]);
    for (const grant of grants) await this.end(grant.id, entityId);
    return grants.length;
  }

  async find(id: string, manager: EntityManager = this.dataSource.manager): Promise<Grant | null> {
    const [row]: Grant[] = await manager.query(`SELECT ${GRANT_COLUMNS} FROM grants g WHERE g.id = $1`, [id]);
    return row ?? null;
  }

  /** The grant a refresh token belongs to, live or not (for revocation by its client). */
  async findAnyByRefreshToken(token: string): Promise<Grant | null> {
    if (token.length > 64) return null;
    return (await this.findRefreshToken(this.digest.digestsUnderEveryKey(token)))?.grant ?? null;
  }

  /**
   * A refresh token by its digests under every key, with its grant, used or
   * not, live or not (the token and its grant unexpired, the grant not ended).
   */
  async findRefreshToken(digests: readonly string[]): Promise<StoredRefreshToken | null> {
    const [row]: (Grant & Omit<StoredRefreshToken, 'grant'>)[] = await this.dataSource.query(
      `SELECT ${GRANT_COLUMNS}, t.digest, t.used_at AS "usedAt", (t.expires_at > now() AND g.expires_at > now() AND g.revoked_at IS NULL) AS live
         FROM refresh_tokens t JOIN grants g ON g.id = t.grant_id WHERE t.digest = ANY($1)`,
      [digests],
    );
    if (row === undefined) return null;
    const { digest, usedAt, live, ...grant } = row;
    return { grant, digest, usedAt, live };
  }

  private async insertGrant(grant: NewGrant, tx: EntityManager): Promise<string> {
    const id = randomUUID();
    await tx.query(
      `INSERT INTO grants (id, client_id, entity_id, party_id, scope, login_session_id, auth_time, amr, dpop_jkt, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10))`,
      [id, grant.clientId, grant.entityId, grant.partyId, grant.scope, grant.loginSessionId, grant.authTime, grant.amr, grant.dpopJkt ?? null, this.config.codeFlow.refreshTokenTtlSeconds],
    );
    return id;
  }

  /** Idle lifetime, never past the grant's absolute end. */
  private async newRefreshToken(grant: Grant, manager: EntityManager): Promise<string> {
    const value = SecretDigest.generate();
    await manager.query(
      `INSERT INTO refresh_tokens (digest, grant_id, expires_at) VALUES ($1, $2, least(now() + make_interval(secs => $3), $4))`,
      [this.digest.digest(value), grant.id, this.config.codeFlow.refreshTokenIdleTtlSeconds, grant.expiresAt],
    );
    return value;
  }
}
