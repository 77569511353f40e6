import { createPrivateKey, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { CLIENT_ASSERTION_TYPE, GRANT_TYPE } from '../../src/contract/urns.js';
import type { OAuthErrorResponse, TokenResponse } from '../../src/contract/wire.js';
import { DpopSigner } from './dpop-signer.js';
import { mtlsFetch, type TlsClientIdentity } from './mtls-fetch.js';

type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'tls_client_auth' | 'self_signed_tls_client_auth';
const TLS_METHODS: readonly ClientAuthMethod[] = ['tls_client_auth', 'self_signed_tls_client_auth'];

export interface TokenSessionOptions {
  /** The entity client's id. */
  readonly clientId: string;
  /**
   * The grant: `jwt-bearer` (the default; an assertion signed with
   * `privateKey`, naming `party`) or `client_credentials` (the client
   * authenticates by `clientAuthMethod`).
   */
  readonly grant?: 'jwt-bearer' | 'client_credentials';
  /**
   * client_credentials: the client's registered method (default
   * client_secret_basic with `clientSecret`, private_key_jwt with
   * `privateKey`, tls_client_auth with `tls`); the mTLS methods (RFC 8705)
   * prove the client by the certificate of `tls`.
   */
  readonly clientAuthMethod?: ClientAuthMethod;
  /** For client_secret_basic and client_secret_post. */
  readonly clientSecret?: string;
  /** Its private key, for the JWT-bearer grant and private_key_jwt: PEM text, a private JWK, or a KeyObject. */
  readonly privateKey?: string | JsonWebKey | KeyObject;
  /** The issuer's base URL (its PUBLIC_URL), e.g. https://auth.example.com: the assertion's audience. */
  readonly issuerUrl: string;
  /**
   * Where to POST, when reached by another address than the public one
   * (default `<issuerUrl>/auth/token`, or with `tls` the issuer's
   * mtls_endpoint_aliases token endpoint when it publishes one).
   */
  readonly tokenEndpoint?: string;
  /**
   * Mutual TLS (RFC 8705): the client certificate and key, presented to the
   * token endpoint (tls_client_auth, certificate-bound tokens) and with every
   * `fetch`, as FAPI resource servers require.
   */
  readonly tls?: TlsClientIdentity;
  /**
   * DPoP (RFC 9449): `true` for a P-256 key of this session's own, or the
   * private key to prove with. Tokens are then bound to it, and every
   * request carries a fresh proof (retried once with the server's nonce).
   */
  readonly dpop?: true | KeyObject;
  /** JWT-bearer: the party to act for, as the assertion's `sub`: `no:party:gln:<gln>[:<type>]`. Omitted: the client's fixed party, or entity level. */
  readonly party?: string;
  /** Space-separated scopes, to ask for less than the client holds. */
  readonly scope?: string;
  /** The key's kid, if the client has several keys. */
  readonly kid?: string;
  /** Renew this many seconds before the token expires (default 60). */
  readonly renewBeforeSeconds?: number;
  /** For tests and special transports (default: fetch, or over mTLS with `tls`). */
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
 * JWT-bearer grant or client_credentials (a secret, a client assertion, its
 * TLS certificate), bound to its certificate or DPoP key when asked, caches
 * it, renews it before it expires (one request however many callers wait),
 * and offers `fetch`, used like fetch, with the token (and a DPoP proof)
 * set, over mTLS when given a certificate, retrying once with a fresh token
 * on a 401. The Open Energy FAPISession's job, given a certificate and key.
 */
export class TokenSession {
  private readonly key: KeyObject | undefined;
  private readonly alg: 'ES256' | 'RS256' | 'EdDSA' | undefined;
  private readonly method: ClientAuthMethod;
  private readonly http: typeof fetch;
  private readonly now: () => number;
  private readonly dpop: DpopSigner | undefined;
  private cached: { token: string; scheme: 'Bearer' | 'DPoP'; expiresAt: number } | undefined;
  private pending: Promise<{ token: string; scheme: 'Bearer' | 'DPoP' }> | undefined;
  private tokenEndpoint: Promise<{ post: string; htu: string }> | undefined;

  constructor(private readonly options: TokenSessionOptions) {
    const privateKey = options.privateKey;
    this.key = privateKey === undefined ? undefined : isKeyObject(privateKey)
      ? privateKey
      : createPrivateKey(typeof privateKey === 'string' ? privateKey : { key: privateKey as never, format: 'jwk' });
    const type = this.key?.asymmetricKeyType;
    this.alg = type === undefined ? undefined : type === 'ec' ? 'ES256' : type === 'rsa' ? 'RS256' : type === 'ed25519' ? 'EdDSA' : unsupported(type);
    this.method = options.clientAuthMethod ?? (options.clientSecret !== undefined ? 'client_secret_basic' : options.tls !== undefined && options.privateKey === undefined ? 'tls_client_auth' : 'private_key_jwt');
    const needsKey = (options.grant ?? 'jwt-bearer') === 'jwt-bearer' || this.method === 'private_key_jwt';
    if (needsKey && this.key === undefined) throw new TypeError('TokenSession: this grant and method sign with privateKey; give one');
    if (!needsKey && !TLS_METHODS.includes(this.method) && options.clientSecret === undefined) throw new TypeError(`TokenSession: ${this.method} needs clientSecret`);
    if (TLS_METHODS.includes(this.method) && options.tls === undefined && options.fetch === undefined) throw new TypeError(`TokenSession: ${this.method} needs tls (the client certificate and key)`);
    this.http = options.fetch ?? (options.tls === undefined ? fetch : mtlsFetch(options.tls));
    this.now = options.now ?? Date.now;
    this.dpop = options.dpop === undefined ? undefined : new DpopSigner(options.dpop === true ? undefined : options.dpop);
  }

  /** A valid access token, from the cache when it is not about to expire. */
  async token(): Promise<string> {
    return (await this.current()).token;
  }


  /** Forgets the cached token (the next call obtains a new one). */
  invalidate(): void {
    this.cached = undefined;
  }

  /**
   * `fetch` with `Authorization: Bearer` (or `DPoP` and a proof of this
   * request), over mTLS with `tls`; retried once with the server's nonce when
   * it asks for one, and once with a new token if the resource answers 401.
   */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const send = async () => {
      const { token, scheme } = await this.current();
      const headers = new Headers(init.headers);
      headers.set('authorization', `${scheme} ${token}`);
      if (scheme === 'DPoP') headers.set('dpop', this.dpop!.proof(init.method ?? 'GET', url, token));
      const response = await this.http(url, { ...init, headers });
      return this.dpop?.heard(url, response) ? this.http(url, { ...init, headers: withProof(headers, this.dpop.proof(init.method ?? 'GET', url, token)) }) : response;
    };
    const response = await send();
    if (response.status !== 401) return response;
    this.invalidate();
    return send();
  }

  private current(): Promise<{ token: string; scheme: 'Bearer' | 'DPoP' }> {
    const renewBefore = (this.options.renewBeforeSeconds ?? 60) * 1000;
    if (this.cached !== undefined && this.cached.expiresAt - renewBefore > this.now()) return Promise.resolve(this.cached);
    // Single flight: concurrent callers share one token request.
    this.pending ??= this.requestToken().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async requestToken(): Promise<{ token: string; scheme: 'Bearer' | 'DPoP' }> {
    const { post, htu } = await this.endpoint();
    const attempt = async () => {
      const { headers, form } = await this.tokenRequest();
      if (this.dpop !== undefined) headers.dpop = this.dpop.proof('POST', htu);
      const response = await this.http(post, { method: 'POST', headers, body: form.toString() });
      return { response, body: (await response.json().catch(() => ({}))) as Partial<TokenResponse & OAuthErrorResponse> };
    };
    let { response, body } = await attempt();
    // RFC 9449 §8: the first proof may lack the server's nonce; the answer brings it.
    if (this.dpop?.heard(htu, response, body)) ({ response, body } = await attempt());
    if (!response.ok || typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new TokenSessionError(response.status, body.error ?? 'invalid_response', body.error_description ?? 'The token endpoint gave no token');
    }
    const scheme = this.dpop !== undefined && body.token_type?.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    this.cached = { token: body.access_token, scheme, expiresAt: this.now() + body.expires_in * 1000 };
    return this.cached;
  }

  /**
   * Where to POST, and the URL the issuer knows its token endpoint by (a
   * DPoP proof's htu): its mtls_endpoint_aliases one for a session with a
   * certificate, when it publishes one (RFC 8705 §5).
   */
  private endpoint(): Promise<{ post: string; htu: string }> {
    const issuer = this.options.issuerUrl.replace(/\/+$/, '');
    const at = (htu: string) => ({ post: this.options.tokenEndpoint ?? htu, htu });
    if (this.options.tls === undefined) return Promise.resolve(at(`${issuer}/auth/token`));
    this.tokenEndpoint ??= (async () => {
      const response = await this.http(`${issuer}/.well-known/oauth-authorization-server`);
      if (!response.ok) throw new TokenSessionError(response.status, 'invalid_response', 'The issuer metadata could not be read');
      const metadata = (await response.json()) as { token_endpoint?: string; mtls_endpoint_aliases?: { token_endpoint?: string } };
      return at(metadata.mtls_endpoint_aliases?.token_endpoint ?? metadata.token_endpoint ?? `${issuer}/auth/token`);
    })().catch((error: unknown) => {
      this.tokenEndpoint = undefined;
      throw error;
    });
    return this.tokenEndpoint;
  }

  /** The grant's form and the client's authentication. */
  private async tokenRequest(): Promise<{ headers: Record<string, string>; form: URLSearchParams }> {
    const issuer = this.options.issuerUrl.replace(/\/+$/, '');
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
      } else if (TLS_METHODS.includes(this.method)) {
        form.set('client_id', clientId); // RFC 8705 §2: the certificate proves it
      } else {
        form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
        form.set('client_assertion', await this.assertion(issuer, clientId));
      }
    }
    if (this.options.scope !== undefined) form.set('scope', this.options.scope);
    return { headers, form };
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

function withProof(headers: Headers, proof: string): Headers {
  const retried = new Headers(headers);
  retried.set('dpop', proof);
  return retried;
}

function isKeyObject(value: unknown): value is KeyObject {
  return typeof value === 'object' && value !== null && 'asymmetricKeyType' in value && typeof (value as KeyObject).export === 'function';
}

function unsupported(type: string | undefined): never {
  throw new TypeError(`TokenSession: unsupported key type ${type ?? 'unknown'}; use EC P-256, RSA or Ed25519`);
}
