import { Injectable } from '@nestjs/common';
import { RefreshRotation } from '../../authorization/refresh-rotation.service.js';
import { OAuthError } from '../../common/protocol-errors.js';
import { GRANT_TYPE } from '../../contract/urns.js';
import { GrantTokens } from '../grant-tokens.service.js';
import type { Grant, GrantContext, TokenForm, TokenResponse } from './grant.js';

const REFUSED = 'The refresh token is unknown, expired or revoked, or was not issued to this client';
const REUSED = 'The refresh token was used before: its grant has ended, with every token issued from it';
const UNBOUND = 'This refresh token is bound to a DPoP key: send a proof made with it';

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): every use returns a new
 * refresh token and ends the old; an ended one presented again ends the
 * whole grant (the family) and every access token issued from it, on every
 * replica. Refused when the person, her membership or the client is no
 * longer active; a public client's refresh token works only with the DPoP
 * key it was bound to.
 */
@Injectable()
export class RefreshTokenGrant implements Grant {
  readonly type = GRANT_TYPE.refreshToken;
  readonly metricName = 'refresh-token';
  readonly clientAuthentication = 'required';
  readonly parameters = { refresh_token: 'The refresh token last issued', scope: 'Space-separated, to ask for less than the grant holds' };

  constructor(
    private readonly rotation: RefreshRotation,
    private readonly tokens: GrantTokens,
  ) {}

  async exchange(form: TokenForm, context: GrantContext): Promise<TokenResponse> {
    const token = form.get('refresh_token');
    if (!token) throw new OAuthError('invalid_request', 'The refresh_token parameter is required');
    const credentials = context.client!.credentials;
    const { clientId } = credentials.client;
    const { jkt } = context.confirmation;
    const found = await this.rotation.find(token, clientId, jkt);
    if (found === 'reused') throw new OAuthError('invalid_grant', REUSED);
    if (found === null || found.grant.clientId !== clientId) throw new OAuthError('invalid_grant', REFUSED);
    if (found.grant.dpopJkt !== null && jkt !== found.grant.dpopJkt) throw new OAuthError('invalid_grant', UNBOUND);
    // Decided before the token is used up: a refusal (or a scope beyond the grant's) leaves it usable.
    const decision = await this.tokens.decide(found.grant, credentials, form.get('scope')).catch(async (error: unknown) => {
      // A remembered token was not read: if it was used on another replica, that reuse must still end its grant.
      if (found.remembered && (await this.rotation.find(token, clientId, jkt, false)) === 'reused') throw new OAuthError('invalid_grant', REUSED);
      throw error;
    });
    const next = await this.rotation.rotate(found, clientId, jkt);
    if (next === 'reused') throw new OAuthError('invalid_grant', REUSED);
    if (next === null) throw new OAuthError('invalid_grant', REFUSED);
    return this.tokens.respond(decision, context, { refreshToken: next });
  }
}
