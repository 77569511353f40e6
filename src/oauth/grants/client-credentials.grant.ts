import { Injectable } from '@nestjs/common';
import { GRANT_TYPE } from '../../contract/urns.js';
import { ClientTokens, requestedScope } from '../client-tokens.service.js';
import type { Grant, GrantContext, TokenForm, TokenResponse } from './grant.js';

/**
 * RFC 6749 §4.4: a client authenticated by its registered method (a secret,
 * a client assertion, its certificate) gets a token for itself: for its
 * fixed party, or entity-level when it has none. The same token, party and
 * scope rules as the JWT-bearer grant.
 */
@Injectable()
export class ClientCredentialsGrant implements Grant {
  readonly type = GRANT_TYPE.clientCredentials;
  readonly metricName = 'client-credentials';
  readonly clientAuthentication = 'required';
  readonly parameters = { scope: 'Space-separated, to ask for less' };

  constructor(private readonly tokens: ClientTokens) {}

  async exchange(form: TokenForm, context: GrantContext): Promise<TokenResponse> {
    const requested = requestedScope(form.get('scope'));
    return this.tokens.issue(await this.tokens.grant(context.client!.credentials, undefined, requested, context.confirmation));
  }
}
