import { createPrivateKey, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { CLIENT_ASSERTION_TYPE, GRANT_TYPE } from '../../src/contract/urns.js';
import type { OAuthErrorResponse, TokenResponse } from '../../src/contract/wire.js';

export interface TokenSessionOptions {
  /** The entity client's id. */
  readonly clientId: string;
  /**
   * The grant: `jwt-bearer` (the default; an assertion signed with
   * `privateKey`, naming `party`) or `client_credentials` (the client
   * authenticates by `clientAuthMethod`).
   */
  readonly grant?: 'jwt-bearer' | 'client_credentials';
  /** client_credentials: the client's registered method (default client_secret_basic with `clientSecret`, private_key_jwt with `privateKey`). */
  readonly clientAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** For client_secret_basic and client_secret_post. */
  readonly clientSecret?: string;
  /** Its private key, for the JWT-bearer grant and private_key_jwt: PEM text, a private JWK, or a KeyObject. */
  readonly privateKey?: string | JsonWebKey | KeyObject;
  /** The issuer's base URL (its PUBLIC_URL), e.g. https://auth.example.com: the assertion's audience. */
  readonly issuerUrl: string;
  /** Where to POST, when reached by another address than the public one (default `<issuerUrl>/auth/token`). */
  readonly tokenEndpoint?: string;
  /** JWT-bearer: the party to act for, as the assertion's `sub`: `no:party:gln:<gln>[:<type>]`. Omitted: the client's fixed party, or entity level. */
  readonly party?: string;
  /** Space-separated scopes, to ask for less than the client holds. */
  readonly scope?: string;
  /** The key's kid, if the client has several keys. */
  readonly kid?: string;
  /** Renew this many seconds before the token expires (default 60). */
  readonly renewBeforeSeconds?: number;
  /** For tests and special transports. */
  readonly fetch?: typeof fetch;
  /** The clock of the token cache (milliseconds), for tests. */
  readonly now?: () => number;
}

/** The token endpoint refused; `error` is the RFC 6749 code. */
export class TokenSessionError extends Error {
  override name = 'TokenSessionError';
  constructor(readonly status: number, readonly error: string, readonly description: string) {
    super(`${status} ${error}: ${description}`);
  }
}

/**
 * A client's session with the issuer: obtains an access token with the
 * JWT-bearer grant or client_credentials (a secret, or a client assertion),
 * caches it, renews it before it expires (one request however many callers
 * wait), and offers `fetch` with the bearer header set, retrying once with a
 * fresh token on a 401.
 */
export class TokenSession {
  private readonly key: KeyObject | undefined;
  private readonly alg: 'ES256' | 'RS256' | 'EdDSA' | undefined;
  private readonly method: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  private readonly http: typeof fetch;
  private readonly now: () => number;
  private cached: { token: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly options: TokenSessionOptions) {
    const privateKey = options.privateKey;
    this.key = privateKey === undefined ? undefined : isKeyObject(privateKey)
      ? privateKey
      : createPrivateKey(typeof privateKey === 'string' ? privateKey : { key: privateKey as never, format: 'jwk' });
    const type = this.key?.asymmetricKeyType;
    this.alg = type === undefined ? undefined : type === 'ec' ? 'ES256' : type === 'rsa' ? 'RS256' : type === 'ed25519' ? 'EdDSA' : unsupported(type);
    this.method = options.clientAuthMethod ?? (options.clientSecret === undefined ? 'private_key_jwt' : 'client_secret_basic');
    const needsKey = (options.grant ?? 'jwt-bearer') === 'jwt-bearer' || this.method === 'private_key_jwt';
    if (needsKey && this.key === undefined) throw new TypeError('TokenSession: this grant and method sign with privateKey; give one');
    if (!needsKey && options.clientSecret === undefined) throw new TypeError(`TokenSession: ${this.method} needs clientSecret`);
    this.http = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  /** A valid access token, from the cache when it is not about to expire. */
  async token(): Promise<string> {
    const renewBefore = (this.options.renewBeforeSeconds ?? 60) * 1000;
    if (this.cached !== undefined && this.cached.expiresAt - renewBefore > this.now()) return this.cached.token;
    // Single flight: concurrent callers share one token request.
    this.pending ??= this.requestToken().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Forgets the cached token (the next call obtains a new one). */
  invalidate(): void {
    this.cached = undefined;
  }

  /** `fetch` with `Authorization: Bearer`, retried once with a new token if the resource answers 401. */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const send = async (token: string) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token}`);
      return this.http(url, { ...init, headers });
    };
    const response = await send(await this.token());
    if (response.status !== 401) return response;
    this.invalidate();
    return send(await this.token());
  }

  private async requestToken(): Promise<string> {
    const issuer = this.options.issuerUrl.replace(/\/+$/, '');
    const endpoint = this.options.tokenEndpoint ?? `${issuer}/auth/token`;
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const form = new URLSearchParams();
    if ((this.options.grant ?? 'jwt-bearer') === 'jwt-bearer') {
      form.set('grant_type', GRANT_TYPE.jwtBearer);
      form.set('assertion', await this.assertion(`${issuer}/auth/token`, this.options.party));
    } else {
      form.set('grant_type', GRANT_TYPE.clientCredentials);
      const { clientId, clientSecret } = this.options;
      if (this.method === 'client_secret_basic') {
        // RFC 6749 §2.3.1: each form-urlencoded, then joined and base64-encoded.
        const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
        headers.authorization = `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret!)}`).toString('base64')}`;
      } else if (this.method === 'client_secret_post') {
        form.set('client_id', clientId);
        form.set('client_secret', clientSecret!);
      } else {
        form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
        form.set('client_assertion', await this.assertion(issuer, clientId));
      }
    }
    if (this.options.scope !== undefined) form.set('scope', this.options.scope);
    const response = await this.http(endpoint, { method: 'POST', headers, body: form.toString() });
    const body = (await response.json().catch(() => ({}))) as Partial<TokenResponse & OAuthErrorResponse>;
    if (!response.ok || typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new TokenSessionError(response.status, body.error ?? 'invalid_response', body.error_description ?? 'The token endpoint gave no token');
    }
    this.cached = { token: body.access_token, expiresAt: this.now() + body.expires_in * 1000 };
    return body.access_token;
  }

  /** A JWT signed with the client's key for `audience` (RFC 7523): a JWT-bearer assertion, or a client assertion (`sub` = the client). */
  private assertion(audience: string, subject: string | undefined): Promise<string> {
    // Assertion times are real time (the issuer checks them); `now` drives only the cache.
    const nowSeconds = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...(subject === undefined ? {} : { sub: subject }) })
      .setProtectedHeader({ alg: this.alg!, typ: 'JWT', ...(this.options.kid === undefined ? {} : { kid: this.options.kid }) })
      .setIssuer(this.options.clientId)
      .setAudience(audience)
      .setJti(randomUUID())
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + 60)
      .sign(this.key!);
  }
}

function isKeyObject(value: unknown): value is KeyObject {
  return typeof value === 'object' && value !== null && 'asymmetricKeyType' in value && typeof (value as KeyObject).export === 'function';
}

function unsupported(type: string | undefined): never {
  throw new TypeError(`TokenSession: unsupported key type ${type ?? 'unknown'}; use EC P-256, RSA or Ed25519`);
}
