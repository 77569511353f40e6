import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { IntrospectionResponse, TokenConfirmation } from '../../src/contract/wire.js';
import { ScopeSet } from '../../src/model/scope.js';
import { BindingRefusal, credentialOf, DPOP_ALGS, type ResourceRequest, SenderBinding, type SenderBindingOptions } from './sender-binding.js';

export interface TokenVerifierOptions {
  /** The issuer's base URL (its PUBLIC_URL): the expected `iss`. */
  readonly issuer: string;
  /** Expected `aud` (default: the issuer). */
  readonly audience?: string;
  /** Default `<issuer>/auth/jwks`. */
  readonly jwksUri?: string;
  /**
   * How long the JWKS is used before it is read again (default 300 s, the
   * issuer's max-age: it publishes each key that long before it signs).
   */
  readonly jwksCacheSeconds?: number;
  /** After a read, an unknown kid reads the JWKS again no sooner than this (default 30 s). */
  readonly jwksCooldownSeconds?: number;
  /**
   * Ask the issuer instead of verifying locally (also sees revocations and
   * registrant tokens). `callerToken` authenticates this service; it needs
   * use:auth:introspect.
   */
  readonly introspection?: { readonly callerToken: () => Promise<string> | string; readonly cacheSeconds?: number; readonly url?: string };
  /** Certificate-bound and DPoP-bound tokens: how verifyRequest checks their binding (this service's base URL, trusted proxies, a shared proof store). */
  readonly binding?: SenderBindingOptions;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/** What a verified token says. */
export interface VerifiedToken {
  readonly sub: string;
  readonly scope: string;
  readonly clientId?: string;
  readonly entityId: number;
  readonly partyId?: number;
  readonly role: string;
  readonly exp: number;
  /** What the token is bound to, if it is sender-constrained (checked by verifyRequest). */
  readonly cnf?: TokenConfirmation;
  readonly claims: Record<string, unknown>;
}

/** Why a token was refused, with the RFC 6750 (RFC 9449 §7.1 for DPoP) error and HTTP status a resource should answer. */
export class TokenVerificationError extends Error {
  override name = 'TokenVerificationError';
  constructor(
    readonly status: 401 | 403,
    readonly error: 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'invalid_request',
    message: string,
    readonly requiredScope?: string,
    /** Answer with the DPoP challenge: the request or its token is DPoP's. */
    readonly dpop = false,
  ) {
    super(message);
  }

  /** The WWW-Authenticate challenge for this refusal. */
  get challenge(): string {
    const details = `error="${this.error}", error_description="${this.message.replace(/["\\]/g, '')}"${this.requiredScope === undefined ? '' : `, scope="${this.requiredScope}"`}`;
    return this.dpop ? `DPoP algs="${DPOP_ALGS.join(' ')}", ${details}` : `Bearer ${details}`;
  }
}

/**
 * Verifies the issuer's access tokens for a downstream service: locally
 * against the JWKS (cached for the issuer's max-age; an unknown kid reads it
 * again, at most once per 30 s) checking signature, `iss`, `aud`, `typ` and `exp`; or by
 * introspection, caching each answer until the token's `exp` or `cacheSeconds`,
 * whichever comes first. A required scope is checked with the scope grammar.
 */
export class TokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private readonly http: typeof fetch;
  private readonly now: () => number;
  private readonly answers = new Map<string, { token: VerifiedToken | null; until: number }>();
  private readonly binding: SenderBinding;

  constructor(private readonly options: TokenVerifierOptions) {
    this.binding = new SenderBinding(options.binding);
    const issuer = options.issuer.replace(/\/+$/, '');
    this.jwks = createRemoteJWKSet(new URL(options.jwksUri ?? `${issuer}/auth/jwks`), {
      cooldownDuration: (options.jwksCooldownSeconds ?? 30) * 1000,
      cacheMaxAge: (options.jwksCacheSeconds ?? 300) * 1000,
    });
    this.http = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  /**
   * A bearer token's claims, or a TokenVerificationError saying what to
   * answer. A sender-constrained token (`cnf`) is refused here: only
   * verifyRequest, which sees its sender, can check its binding.
   */
  async verify(token: string, requiredScope?: string): Promise<VerifiedToken> {
    const verified = await this.verified(token, false);
    if (verified.cnf !== undefined) throw new TokenVerificationError(401, 'invalid_token', 'This token is sender-constrained: its binding is checked with the request (verifyRequest)');
    return withScope(verified, requiredScope, false);
  }

  /**
   * The token of a request (`Authorization: Bearer` or `DPoP`), verified with
   * its binding: a certificate-bound token over the same certificate (the TLS
   * connection's, or a trusted proxy's Client-Cert header), a DPoP-bound one
   * with a valid proof of this request by the same key (RFC 9449 §7).
   */
  async verifyRequest(request: ResourceRequest, requiredScope?: string): Promise<VerifiedToken> {
    const credential = credentialOf(request.headers.authorization);
    if (credential === null) throw new TokenVerificationError(401, 'invalid_token', 'An access token is required (Authorization: Bearer or DPoP)');
    const dpop = credential.scheme === 'DPoP';
    const verified = await this.verified(credential.token, dpop);
    try {
      await this.binding.check(request, credential.scheme, credential.token, verified.cnf);
    } catch (error) {
      if (error instanceof BindingRefusal) throw new TokenVerificationError(401, error.error, error.message, undefined, dpop || verified.cnf?.jkt !== undefined);
      throw error;
    }
    return withScope(verified, requiredScope, dpop);
  }

  private async verified(token: string, dpop: boolean): Promise<VerifiedToken> {
    const verified = this.options.introspection === undefined ? await this.verifyLocally(token) : await this.introspect(token);
    if (verified === null) throw new TokenVerificationError(401, 'invalid_token', 'The access token is invalid, expired or revoked', undefined, dpop);
    return verified;
  }

  private async verifyLocally(token: string): Promise<VerifiedToken | null> {
    try {
      const issuer = this.options.issuer.replace(/\/+$/, '');
      const { payload } = await jwtVerify(token, this.jwks, {
        issuer,
        audience: this.options.audience ?? issuer,
        typ: 'at+jwt',
        algorithms: ['ES256'],
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(this.now()),
      });
      return describe(payload);
    } catch {
      return null;
    }
  }

  private async introspect(token: string): Promise<VerifiedToken | null> {
    const cached = this.answers.get(token);
    if (cached !== undefined && cached.until > this.now()) return cached.token;
    const introspection = this.options.introspection!;
    const url = introspection.url ?? `${this.options.issuer.replace(/\/+$/, '')}/auth/introspect`;
    const response = await this.http(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await introspection.callerToken()}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    if (!response.ok) throw new Error(`introspection failed: HTTP ${response.status}`);
    const body = (await response.json()) as IntrospectionResponse;
    const verified = body.active === true ? describe(body as JWTPayload) : null;
    const ttl = (introspection.cacheSeconds ?? 60) * 1000;
    const until = Math.min(this.now() + ttl, verified === null ? Infinity : verified.exp * 1000);
    this.answers.set(token, { token: verified, until });
    if (this.answers.size > 10_000) this.answers.delete(this.answers.keys().next().value!);
    return verified;
  }
}

function describe(payload: JWTPayload): VerifiedToken | null {
  // A binding this verifier cannot check would make the token a bearer token: refused.
  if (payload.cnf !== undefined && !isConfirmation(payload.cnf)) return null;
  if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number' || typeof payload.entity_id !== 'number' || typeof payload.role !== 'string') return null;
  return {
    sub: payload.sub,
    scope: typeof payload.scope === 'string' ? payload.scope : '',
    clientId: typeof payload.client_id === 'string' ? payload.client_id : undefined,
    entityId: payload.entity_id,
    partyId: typeof payload.party_id === 'number' ? payload.party_id : undefined,
    role: payload.role,
    exp: payload.exp,
    ...(payload.cnf === undefined ? {} : { cnf: payload.cnf as TokenConfirmation }),
    claims: payload as Record<string, unknown>,
  };
}

function isConfirmation(cnf: unknown): cnf is TokenConfirmation {
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) return false;
  const members = Object.entries(cnf);
  return members.length > 0 && members.every(([name, value]) => (name === 'jkt' || name === 'x5t#S256') && typeof value === 'string' && value !== '');
}

function withScope(verified: VerifiedToken, requiredScope: string | undefined, dpop: boolean): VerifiedToken {
  if (requiredScope !== undefined && !safeScope(verified.scope).covers(requiredScope)) {
    throw new TokenVerificationError(403, 'insufficient_scope', `The access token's scope does not cover ${requiredScope}`, requiredScope, dpop);
  }
  return verified;
}

function safeScope(text: string): ScopeSet {
  try {
    return ScopeSet.parse(text);
  } catch {
    return ScopeSet.EMPTY;
  }
}
