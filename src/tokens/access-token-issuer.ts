import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import type { TokenConfirmation } from '../contract/wire.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { ScopeSet } from '../model/scope.js';
import type { AccessTokenClaims } from './principal.js';
import { SigningKeys } from './signing-keys.service.js';

export interface AccessTokenSubject {
  readonly clientId: string;
  readonly eid: string;
  readonly entityId: number;
  readonly partyId: number | undefined;
  readonly role: string;
  readonly scope: ScopeSet;
  /** The registrant token's jti for tokens exchanged from one, the grant's id for code-flow tokens (claim `sid`). */
  readonly sessionId?: string;
  /** OpenID scopes granted beside `scope` (openid, profile, offline_access): written into the same claim. */
  readonly openidScopes?: readonly string[];
  /** Further claims of the grant (a process's `process_id` and `client_reference`); never the registered ones. */
  readonly claims?: Readonly<Record<string, string>>;
  /** What the token is bound to (GrantContext.confirmation); absent: a bearer token. */
  readonly cnf?: TokenConfirmation;
}

/** `notAfter` has passed: there is no lifetime left to issue a token for. */
export class NoLifetimeLeftError extends Error {
  override name = 'NoLifetimeLeftError';
}

export interface IssueLimits {
  /** Epoch seconds the token must not outlive (an exchanged token never outlives its subject token). */
  readonly notAfter?: number;
  /** The lifetime for this grant (the code flow's is shorter); never longer than ACCESS_TOKEN_TTL. */
  readonly lifetimeSeconds?: number;
}

/** Signs access tokens (RFC 9068) with the current key of the ring. */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly signingKeys: SigningKeys,
  ) {}

  /**
   * `expiresIn` is the real lifetime: the configured one, or less when
   * `notAfter` comes first; `tokenType` is the response's token_type: DPoP
   * for a token bound to a DPoP key (RFC 9449 §5), otherwise Bearer.
   */
  issue(subject: AccessTokenSubject, limits: IssueLimits = {}): { token: string; expiresIn: number; tokenType: 'Bearer' | 'DPoP' } {
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = Math.min(this.config.accessTokenTtlSeconds, limits.lifetimeSeconds ?? Infinity, (limits.notAfter ?? Infinity) - now);
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
      scope: [...(subject.openidScopes ?? []), ...subject.scope.toArray()].join(' '),
      ...(subject.sessionId === undefined ? {} : { sid: subject.sessionId }),
      ...(subject.cnf === undefined ? {} : { cnf: subject.cnf }),
    };
    // Grant claims go first, so that none can stand in for a registered claim.
    const payload = { ...subject.claims, ...claims };
    const tokenType = subject.cnf?.jkt === undefined ? 'Bearer' : 'DPoP';
    return { token: this.signingKeys.ring.signJwt({ typ: 'at+jwt' }, payload as unknown as Record<string, unknown>), expiresIn, tokenType };
  }
}
