import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { errors, jwtVerify } from 'jose';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { RegistrantTokenPayload } from '../crypto/aes-token-codec.js';
import { ScopeSet } from '../crypto/scope.js';
import { RevocationList } from './revocation-list.service.js';
import { SigningKeys } from './signing-keys.service.js';

/** Claims of an access token (RFC 9068 plus the contract's entity, party and role). */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly client_id: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  readonly eid: string;
  readonly entity_id: number;
  readonly party_id?: number;
  readonly role: string;
  readonly scope: string;
  /** Token exchange only: the jti of the registrant token it was exchanged from; revoking that revokes this. */
  readonly sid?: string;
}

/**
 * The `client_id` of tokens from the token-exchange grant: no client
 * authenticates there (the portal is a public client), and RFC 9068 requires
 * the claim. It is not a client's UUID, so a Principal carries no client id for it.
 */
export const TOKEN_EXCHANGE_CLIENT_ID = 'token-exchange';

/** Who is calling, as established by a verified access token or registrant token. */
export class Principal {
  private constructor(
    readonly kind: 'access_token' | 'registrant',
    /** The entity's UUID (`sub`). */
    readonly subject: string,
    readonly entityId: number,
    readonly partyId: number | undefined,
    readonly role: string,
    readonly scope: ScopeSet,
    readonly clientId: string | undefined,
    /** The name a registrant token carries; access tokens carry none. */
    readonly entityName?: string,
    /** The verified claims of an access token. */
    readonly claims?: AccessTokenClaims,
  ) {}

  static fromAccessToken(claims: AccessTokenClaims): Principal {
    // Only registered clients' ids go on (the audit trail stores them in a uuid column).
    const clientId = claims.client_id === TOKEN_EXCHANGE_CLIENT_ID ? undefined : claims.client_id;
    return new Principal('access_token', claims.sub, claims.entity_id, claims.party_id, claims.role, ScopeSet.parse(claims.scope), clientId, undefined, claims);
  }

  /** A person acting for itself: no party and no scope until it assumes one. */
  static fromRegistrantToken(payload: RegistrantTokenPayload): Principal {
    return new Principal('registrant', payload.eid, payload.entity_id, undefined, ENTITY_ROLE, ScopeSet.EMPTY, undefined, payload.name);
  }

  /** The same caller with the scope it holds now (PrincipalStanding): never wider than the token's. */
  narrowedTo(scope: ScopeSet): Principal {
    return new Principal(this.kind, this.subject, this.entityId, this.partyId, this.role, this.scope.intersect(scope), this.clientId, this.entityName, this.claims);
  }
}

export interface AccessTokenSubject {
  readonly clientId: string;
  readonly eid: string;
  readonly entityId: number;
  readonly partyId: number | undefined;
  readonly role: string;
  readonly scope: ScopeSet;
  /** The registrant token's jti, for tokens exchanged from one (claim `sid`). */
  readonly sessionId?: string;
}

/** `notAfter` has passed: there is no lifetime left to issue a token for. */
export class NoLifetimeLeftError extends Error {
  override name = 'NoLifetimeLeftError';
}

export interface IssueLimits {
  /** Epoch seconds the token must not outlive (an exchanged token never outlives its subject token). */
  readonly notAfter?: number;
}

export const ENTITY_ROLE = 'flex_entity';

/** How many verified access tokens a process remembers (about 1 kB each); the oldest goes first. */
const VERIFIED_TOKENS_KEPT = 10_000;

@Injectable()
export class AccessTokenIssuer {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly signingKeys: SigningKeys,
  ) {}

  /** `expiresIn` is the real lifetime: the configured one, or less when `notAfter` comes first. */
  issue(subject: AccessTokenSubject, limits: IssueLimits = {}): { token: string; expiresIn: number } {
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = Math.min(this.config.accessTokenTtlSeconds, (limits.notAfter ?? Infinity) - now);
    if (!(expiresIn > 0)) throw new NoLifetimeLeftError('notAfter has passed');
    const claims: AccessTokenClaims = {
      iss: this.config.publicUrl,
      aud: this.config.publicUrl,
      sub: subject.eid,
      client_id: subject.clientId,
      iat: now,
      exp: now + expiresIn,
      jti: randomUUID(),
      eid: subject.eid,
      entity_id: subject.entityId,
      ...(subject.partyId === undefined ? {} : { party_id: subject.partyId }),
      role: subject.role,
      scope: subject.scope.toString(),
      ...(subject.sessionId === undefined ? {} : { sid: subject.sessionId }),
    };
    return { token: this.signingKeys.ring.signJwt({ typ: 'at+jwt' }, claims as unknown as Record<string, unknown>), expiresIn };
  }
}

/** Verifies our own access tokens: signature first (jose), then iss, aud, typ, exp, claim types and revocation. */
@Injectable()
export class AccessTokenVerifier {
  /**
   * Tokens verified lately, by their exact text, with the key ring that
   * verified them: a token's signature and claims are checked once, then read
   * from here until it expires. Revocation is still checked on every use, and
   * a reloaded key ring (a rotation or retirement) checks everything afresh.
   */
  private readonly verified = new Map<string, { readonly principal: Principal; readonly claims: AccessTokenClaims; readonly ring: object }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly signingKeys: SigningKeys,
    private readonly revocations: RevocationList,
  ) {}

  /** Null for anything that is not a valid, unexpired, unrevoked access token of this issuer. */
  async verify(token: string): Promise<Principal | null> {
    if (token.length > 8192) return null;
    const ring = this.signingKeys.ring;
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (known.ring === ring && Date.now() / 1000 < known.claims.exp) return (await this.isRevoked(known.claims)) ? null : known.principal;
      this.verified.delete(token);
    }
    const principal = await this.verifyAfresh(token);
    if (principal !== null) {
      if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { principal, claims: principal.claims!, ring });
    }
    return principal;
  }

  private async verifyAfresh(token: string): Promise<Principal | null> {
    let claims: AccessTokenClaims;
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = header.kid === undefined ? undefined : this.signingKeys.ring.verificationKey(header.kid);
          if (key === undefined) throw new errors.JWKSNoMatchingKey();
          return key;
        },
        {
          algorithms: ['ES256'],
          issuer: this.config.publicUrl,
          audience: this.config.publicUrl,
          typ: 'at+jwt',
          requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        },
      );
      if (!hasAccessTokenShape(payload) || !isScopeText(payload.scope)) return null;
      claims = payload;
    } catch {
      return null;
    }
    // Outside the try: a revocation check the database cannot answer (overflow) is an outage (503), not a bad token.
    return (await this.isRevoked(claims)) ? null : Principal.fromAccessToken(claims);
  }

  /** Revoked itself, cut off with its client or entity, or exchanged from a registrant token that was revoked since (a logout ends both). */
  private isRevoked(claims: AccessTokenClaims): Promise<boolean> {
    const clientId = claims.client_id === TOKEN_EXCHANGE_CLIENT_ID ? undefined : claims.client_id;
    return this.revocations.isRevoked({ jti: claims.jti, sid: claims.sid, clientId, entityId: claims.entity_id, issuedAt: claims.iat });
  }
}

function isScopeText(text: string): boolean {
  try {
    ScopeSet.parse(text);
    return true;
  } catch {
    return false;
  }
}

function hasAccessTokenShape(payload: Record<string, unknown>): payload is AccessTokenClaims & Record<string, unknown> {
  return (
    typeof payload.client_id === 'string' &&
    typeof payload.eid === 'string' &&
    Number.isSafeInteger(payload.entity_id) &&
    (payload.party_id === undefined || Number.isSafeInteger(payload.party_id)) &&
    typeof payload.role === 'string' &&
    typeof payload.scope === 'string' &&
    (payload.sid === undefined || typeof payload.sid === 'string')
  );
}
