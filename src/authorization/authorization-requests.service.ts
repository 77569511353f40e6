import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { SecretDigest } from '../crypto/secret-digest.js';
import type { AuthorizationParameters } from './authorization-parameters.js';

/** A pushed request_uri (RFC 9126 §2.2) lives this long, and is used once. */
export const PUSHED_REQUEST_SECONDS = 60;
/** The person has this long from the application's redirect to her decision. */
const INTERACTION_SECONDS = 600;
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** A stored request as the pages and the decision read it. */
export interface StoredAuthorizationRequest {
  readonly id: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state: string | null;
  readonly nonce: string | null;
  readonly codeChallenge: string;
  readonly prompt: string | null;
  readonly maxAge: number | null;
  readonly entityId: number | null;
  readonly loginSessionId: string | null;
  readonly authTime: Date | null;
  readonly amr: string[] | null;
}

const COLUMNS = `r.id, r.client_id AS "clientId", r.redirect_uri AS "redirectUri", r.scope, r.state, r.nonce, r.code_challenge AS "codeChallenge",
  r.prompt, r.max_age AS "maxAge", r.entity_id AS "entityId", r.login_session_id AS "loginSessionId", s.auth_time AS "authTime", s.amr`;
const FROM = 'authorization_requests r LEFT JOIN login_sessions s ON s.id = r.login_session_id';

/**
 * Authorization requests in Postgres, so that any replica can carry one on:
 * pushed ones behind their request_uri, and those in the browser behind a
 * page handle (in the URL) and a browser binding (a cookie): a link alone,
 * sent to someone else, opens nothing. Every secret is kept as a digest.
 */
@Injectable()
export class AuthorizationRequests {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly digest: SecretDigest,
  ) {}

  /** Stores a pushed request; its request_uri, single use, for PUSHED_REQUEST_SECONDS. */
  async push(parameters: AuthorizationParameters): Promise<string> {
    const secret = SecretDigest.generate();
    await this.insert(parameters, { requestUriDigest: this.digest.digest(secret), seconds: PUSHED_REQUEST_SECONDS });
    return `${REQUEST_URI_PREFIX}${secret}`;
  }

  /** The pushed request behind `requestUri` for this client, taken once (any replica, any number of tries). */
  async takePushed(requestUri: string, clientId: string): Promise<string | null> {
    if (!requestUri.startsWith(REQUEST_URI_PREFIX) || requestUri.length > REQUEST_URI_PREFIX.length + 64) return null;
    const [rows]: [{ id: string }[], number] = await this.dataSource.query(
      `UPDATE authorization_requests SET request_uri_digest = NULL
        WHERE request_uri_digest = ANY($1) AND client_id = $2 AND expires_at > now() AND ended_at IS NULL RETURNING id`,
      [this.digest.digestsUnderEveryKey(requestUri.slice(REQUEST_URI_PREFIX.length)), clientId],
    );
    return rows[0]?.id ?? null;
  }

  /** Stores a request that came straight from the browser; its id. */
  async create(parameters: AuthorizationParameters): Promise<string> {
    return this.insert(parameters, { requestUriDigest: null, seconds: INTERACTION_SECONDS });
  }

  /**
   * Gives the request to this browser: a new page handle, and the browser's
   * binding (kept when it has one, so requests in two tabs both work), both
   * secret; the interaction may take INTERACTION_SECONDS from now.
   */
  async bindToBrowser(id: string, existingBinding: string | undefined): Promise<{ handle: string; binding: string }> {
    const handle = SecretDigest.generate();
    const binding = existingBinding ?? SecretDigest.generate();
    await this.dataSource.query(
      `UPDATE authorization_requests SET handle_digest = $2, browser_digest = $3, expires_at = now() + make_interval(secs => $4) WHERE id = $1`,
      [id, this.digest.digest(handle), this.digest.digest(binding), INTERACTION_SECONDS],
    );
    return { handle, binding };
  }

  async find(id: string): Promise<StoredAuthorizationRequest | null> {
    const [row]: StoredAuthorizationRequest[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.id = $1 AND r.ended_at IS NULL AND r.expires_at > now()`, [id]);
    return row ?? null;
  }

  /** The open request behind a page handle, if `binding` (the browser's cookie) is its binding. */
  async findByHandle(handle: string, binding: string | undefined): Promise<StoredAuthorizationRequest | null> {
    if (binding === undefined || handle.length > 64 || binding.length > 64) return null;
    const [row]: (StoredAuthorizationRequest & { browserDigest: string })[] = await this.dataSource.query(
      `SELECT ${COLUMNS}, r.browser_digest AS "browserDigest" FROM ${FROM} WHERE r.handle_digest = ANY($1) AND r.ended_at IS NULL AND r.expires_at > now()`,
      [this.digest.digestsUnderEveryKey(handle)],
    );
    if (row === undefined || this.digest.matches(binding, [row.browserDigest]) !== 0) return null;
    const { browserDigest: _binding, ...request } = row;
    return request;
  }

  /** A new single-use form token for the request's next page (the previous one stops working). */
  async newFormToken(id: string): Promise<string> {
    const token = SecretDigest.generate();
    await this.dataSource.query('UPDATE authorization_requests SET form_nonce_digest = $2 WHERE id = $1', [id, this.digest.digest(token)]);
    return token;
  }

  /** Whether `token` is the request's current form token; it is used up either way it was right. */
  async useFormToken(id: string, token: string | undefined): Promise<boolean> {
    if (token === undefined || token.length > 64) return false;
    const [rows]: [unknown[], number] = await this.dataSource.query(
      'UPDATE authorization_requests SET form_nonce_digest = NULL WHERE id = $1 AND form_nonce_digest = ANY($2) AND ended_at IS NULL RETURNING id',
      [id, this.digest.digestsUnderEveryKey(token)],
    );
    return rows.length === 1;
  }

  /** The person logged in (or was already): the request carries on as hers. */
  async attachLogin(id: string, entityId: number, loginSessionId: string): Promise<void> {
    await this.dataSource.query('UPDATE authorization_requests SET entity_id = $2, login_session_id = $3 WHERE id = $1', [id, entityId, loginSessionId]);
  }

  /** Ends the request once: true for the one caller that ended it. */
  async end(id: string): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.dataSource.query('UPDATE authorization_requests SET ended_at = now() WHERE id = $1 AND ended_at IS NULL RETURNING id', [id]);
    return rows.length === 1;
  }

  private async insert(parameters: AuthorizationParameters, options: { requestUriDigest: string | null; seconds: number }): Promise<string> {
    const id = randomUUID();
    await this.dataSource.query(
      `INSERT INTO authorization_requests (id, client_id, redirect_uri, scope, state, nonce, code_challenge, prompt, max_age, request_uri_digest, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11))`,
      [id, parameters.clientId, parameters.redirectUri, parameters.scope, parameters.state ?? null, parameters.nonce ?? null, parameters.codeChallenge,
        parameters.prompt ?? null, parameters.maxAge ?? null, options.requestUriDigest, options.seconds],
    );
    return id;
  }
}
