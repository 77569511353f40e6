import { Inject, Injectable } from '@nestjs/common';
import { errors, jwtVerify } from 'jose';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { splitOpenIdScopes } from '../model/code-flow-scope.js';
import { ScopeSet } from '../model/scope.js';
import { type AccessTokenClaims, Principal, TOKEN_EXCHANGE_CLIENT_ID } from './principal.js';
import { RevocationList } from './revocation-list.service.js';
import { SigningKeys } from './signing-keys.service.js';

/** How many verified access tokens a process remembers (about 1 kB each); the oldest goes first. */
const VERIFIED_TOKENS_KEPT = 10_000;

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
      if (!hasAccessTokenShape(payload) || !isScopeText(splitOpenIdScopes(payload.scope).rest)) return null;
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
    (payload.sid === undefined || typeof payload.sid === 'string') &&
    (payload.cnf === undefined || isConfirmation(payload.cnf))
  );
}

/** A binding we issue: a DPoP key thumbprint, a certificate thumbprint, or both; nothing a resource would not check. */
function isConfirmation(cnf: unknown): boolean {
  if (cnf === null || typeof cnf !== 'object' || Array.isArray(cnf)) return false;
  const members = Object.entries(cnf);
  return members.length > 0 && members.every(([name, value]) => (name === 'jkt' || name === 'x5t#S256') && typeof value === 'string' && value !== '');
}
