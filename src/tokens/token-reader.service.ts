import { Injectable } from '@nestjs/common';
import type { RegistrantTokenPayload } from '../crypto/aes-token-codec.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { type AccessTokenClaims, Principal } from './principal.js';
import { RegistrantTokens } from './registrant-tokens.service.js';

/** A valid token of either kind, with what each kind says. */
export type ReadToken =
  | { readonly kind: 'access_token'; readonly principal: Principal; readonly claims: AccessTokenClaims }
  | { readonly kind: 'registrant'; readonly principal: Principal; readonly payload: RegistrantTokenPayload };

/**
 * Reads either kind of bearer token: a JWT access token has dots, a
 * registrant token (base64url) has none. Null for anything invalid,
 * expired or revoked.
 */
@Injectable()
export class TokenReader {
  constructor(
    private readonly accessTokens: AccessTokenVerifier,
    private readonly registrantTokens: RegistrantTokens,
  ) {}

  async read(token: string): Promise<ReadToken | null> {
    if (token.includes('.')) {
      const principal = await this.accessTokens.verify(token);
      return principal === null ? null : { kind: 'access_token', principal, claims: principal.claims! };
    }
    const payload = await this.registrantTokens.verify(token);
    return payload === null ? null : { kind: 'registrant', principal: Principal.fromRegistrantToken(payload), payload };
  }
}
