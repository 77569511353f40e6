import { Inject, Injectable } from '@nestjs/common';
import { GRANT_TYPE } from '../../contract/urns.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { OAuthError } from '../../common/protocol-errors.js';
import { AssertionError, AssertionPolicy, parseAssertion, verifyAssertion } from '../../crypto/jwt-bearer-assertion.js';
import { ClientLookup } from '../../directory/lookups.js';
import { assertionPolicy, CLOCK_LEEWAY_SECONDS } from '../assertion-policy.js';
import { ReplayStore } from '../replay-store.js';
import { ClientTokens, requestedScope } from '../client-tokens.service.js';
import type { Grant, GrantContext, TokenForm, TokenResponse } from './grant.js';

/** RFC 7523 §2.1: a client signs an assertion with its registered key and names the party it acts for. */
@Injectable()
export class JwtBearerGrant implements Grant {
  readonly type = GRANT_TYPE.jwtBearer;
  readonly metricName = 'jwt-bearer';
  readonly clientAuthentication = 'optional';
  readonly parameters = {
    assertion: 'RFC 7523 JWT signed with a registered key of the client',
    scope: 'Space-separated, to ask for less',
  };
  private readonly policy: AssertionPolicy;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clients: ClientLookup,
    private readonly tokens: ClientTokens,
    private readonly replays: ReplayStore,
  ) {
    this.policy = assertionPolicy([`${config.publicUrl}/auth`, `${config.publicUrl}/auth/token`]);
  }

  async exchange(form: TokenForm, context: GrantContext): Promise<TokenResponse> {
    const assertionText = form.get('assertion');
    if (assertionText === undefined || assertionText === '') throw new OAuthError('invalid_request', 'The assertion parameter is required');
    const requested = requestedScope(form.get('scope'));

    const assertion = await this.verify(assertionText);
    const { client } = assertion.credentials;
    // RFC 7523 §3.1: a client that also authenticates must be the one the assertion is for.
    if (context.client !== undefined && context.client.credentials.client.clientId !== client.clientId) {
      throw new OAuthError('invalid_grant', 'The assertion is for another client than the one that authenticated');
    }
    if (!client.grantTypes.includes(this.type)) throw new OAuthError('unauthorized_client', 'This client is not registered for this grant_type');
    const grant = await this.tokens.grant(assertion.credentials, assertion.subject, requested, context.confirmation);

    // Claimed last, so a refused login consumes nothing; a replay of a good assertion still fails here.
    const expiresAt = new Date((assertion.expiresAt + CLOCK_LEEWAY_SECONDS) * 1000);
    if (!(await this.replays.claim(client.clientId, assertion.jti, expiresAt))) {
      throw new OAuthError('invalid_grant', 'The assertion jti has been used already');
    }
    return this.tokens.issue(grant);
  }

  /**
   * Header policy, client and key lookup, signature, then claims; every
   * failure is invalid_grant. The client's status is told only to whoever
   * signed with its key: before that, every refusal is UNVERIFIED_ASSERTION.
   */
  private async verify(text: string) {
    try {
      const unverified = parseAssertion(text);
      const credentials = await this.clients.findClientCredentials(unverified.issuer);
      const verified = await verifyAssertion(unverified, credentials?.keys ?? null, this.policy);
      if (!credentials!.client.active) throw new AssertionError('The client is inactive');
      if (credentials!.entity.status !== 'active') throw new AssertionError("The client's entity is inactive");
      return { ...verified, credentials: credentials! };
    } catch (error) {
      if (error instanceof AssertionError) throw new OAuthError('invalid_grant', error.message);
      throw error;
    }
  }
}
