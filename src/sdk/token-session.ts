import { createPrivateKey, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { GRANT_TYPE } from '../contract/urns.js';
import type { OAuthErrorResponse, TokenResponse } from '../contract/wire.js';

export interface TokenSessionOptions {
  /** The entity client's id. */
  readonly clientId: string;
  /** Its private key: PEM text, a private JWK, or a KeyObject. */
  readonly privateKey: string | JsonWebKey | KeyObject;
  /** The issuer's base URL (its PUBLIC_URL), e.g. https://auth.example.com: the assertion's audience. */
  readonly issuerUrl: string;
  /** Where to POST, when reached by another address than the public one (default `<issuerUrl>/auth/token`). */
  readonly tokenEndpoint?: string;
  /** The party to act for, as the assertion's `sub`: `no:party:gln:<gln>[:<type>]`. Omitted: the client's fixed party, or entity level. */
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
 * A client's session with the issuer: signs JWT-bearer assertions, obtains
 * an access token, caches it, renews it before it expires (one request
 * however many callers wait), and offers `fetch` with the bearer header set,
 * retrying once with a fresh token on a 401.
 */
export class TokenSession {
  private readonly key: KeyObject;
  private readonly alg: 'ES256' | 'RS256' | 'EdDSA';
  private readonly http: typeof fetch;
  private readonly now: () => number;
  private cached: { token: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly options: TokenSessionOptions) {
    this.key = isKeyObject(options.privateKey)
      ? options.privateKey
      : createPrivateKey(typeof options.privateKey === 'string' ? options.privateKey : { key: options.privateKey as never, format: 'jwk' });
    const type = this.key.asymmetricKeyType;
    this.alg = type === 'ec' ? 'ES256' : type === 'rsa' ? 'RS256' : type === 'ed25519' ? 'EdDSA' : unsupported(type);
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
    // Assertion times are real time (the issuer checks them); `now` drives only the cache.
    const nowSeconds = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ ...(this.options.party === undefined ? {} : { sub: this.options.party }) })
      .setProtectedHeader({ alg: this.alg, typ: 'JWT', ...(this.options.kid === undefined ? {} : { kid: this.options.kid }) })
      .setIssuer(this.options.clientId)
      .setAudience(`${issuer}/auth/token`)
      .setJti(randomUUID())
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + 60)
      .sign(this.key);
    const form = new URLSearchParams({ grant_type: GRANT_TYPE.jwtBearer, assertion });
    if (this.options.scope !== undefined) form.set('scope', this.options.scope);
    const response = await this.http(this.options.tokenEndpoint ?? `${issuer}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    const body = (await response.json().catch(() => ({}))) as Partial<TokenResponse & OAuthErrorResponse>;
    if (!response.ok || typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new TokenSessionError(response.status, body.error ?? 'invalid_response', body.error_description ?? 'The token endpoint gave no token');
    }
    this.cached = { token: body.access_token, expiresAt: this.now() + body.expires_in * 1000 };
    return body.access_token;
  }
}

function isKeyObject(value: unknown): value is KeyObject {
  return typeof value === 'object' && value !== null && 'asymmetricKeyType' in value && typeof (value as KeyObject).export === 'function';
}

function unsupported(type: string | undefined): never {
  throw new TypeError(`TokenSession: unsupported key type ${type ?? 'unknown'}; use EC P-256, RSA or Ed25519`);
}
