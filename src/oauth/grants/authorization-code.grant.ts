import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Grants } from '../../authorization/grants.service.js';
import { OAuthError } from '../../common/protocol-errors.js';
import { GRANT_TYPE } from '../../contract/urns.js';
import { GrantTokens } from '../grant-tokens.service.js';
import type { Grant, GrantContext, TokenForm, TokenResponse } from './grant.js';

// RFC 7636 §4.1: 43 to 128 unreserved characters.
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const REFUSED = 'The code is unknown, expired, already used, or was not issued for this client and redirect URI with this verifier';

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636, S256): the code a person's login
 * produced, for the client it was issued to, with the same redirect URI and
 * the verifier behind its challenge. A code works once within 60 s; a second
 * use is invalid_grant and ends the grant, with every token issued from the
 * first (RFC 6749 §4.1.2, RFC 9700 §4.14).
 */
@Injectable()
export class AuthorizationCodeGrant implements Grant {
  readonly type = GRANT_TYPE.authorizationCode;
  readonly metricName = 'authorization-code';
  readonly clientAuthentication = 'required';
  readonly parameters = {
    code: 'The code from the redirect',
    redirect_uri: 'The redirect URI of the authorization request, exactly',
    code_verifier: 'The PKCE verifier behind the code_challenge',
  };

  constructor(
    private readonly grants: Grants,
    private readonly tokens: GrantTokens,
  ) {}

  async exchange(form: TokenForm, context: GrantContext): Promise<TokenResponse> {
    const code = form.get('code');
    const redirectUri = form.get('redirect_uri');
    const verifier = form.get('code_verifier');
    if (!code || !redirectUri || !verifier) throw new OAuthError('invalid_request', 'The code, redirect_uri and code_verifier parameters are required');
    if (!VERIFIER.test(verifier)) throw new OAuthError('invalid_request', 'The code_verifier must be 43 to 128 unreserved characters (RFC 7636 §4.1)');
    const credentials = context.client!.credentials;

    const found = await this.grants.findCode(code);
    // Another client's code is refused as unknown, and left alone: its own client may still redeem it.
    if (found === null || found.grant.clientId !== credentials.client.clientId) throw new OAuthError('invalid_grant', REFUSED);
    if (found.usedAt !== null) {
      await this.grants.end(found.grant.id, found.grant.entityId);
      throw new OAuthError('invalid_grant', 'The code was used before: every token issued from it is revoked');
    }
    if (found.expired || found.redirectUri !== redirectUri || !verifies(verifier, found.codeChallenge)) throw new OAuthError('invalid_grant', REFUSED);
    const decision = await this.tokens.decide(found.grant, credentials, undefined);
    if (!(await this.grants.useCode(found.codeDigest))) {
      // Another request used it in the meantime: two holders of one code.
      await this.grants.end(found.grant.id, found.grant.entityId);
      throw new OAuthError('invalid_grant', 'The code was used before: every token issued from it is revoked');
    }
    await this.tokens.bindRefreshTokens(decision, context);
    const refreshToken = GrantTokens.refreshes(credentials) ? await this.grants.firstRefreshToken(found.grant) : undefined;
    return this.tokens.respond(decision, context, { refreshToken, nonce: found.nonce });
  }
}

/** BASE64URL(SHA-256(verifier)) equals the challenge, compared in constant time. */
function verifies(verifier: string, challenge: string): boolean {
  const computed = createHash('sha256').update(verifier, 'ascii').digest();
  const expected = Buffer.from(challenge, 'base64url');
  return expected.length === computed.length && timingSafeEqual(computed, expected);
}
