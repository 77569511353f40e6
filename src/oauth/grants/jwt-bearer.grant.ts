import { Inject, Injectable } from '@nestjs/common';
import { GRANT_TYPE, TOKEN_TYPE } from '../../contract/urns.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { OAuthError } from '../../common/protocol-errors.js';
import { AssertionError, AssertionPolicy, parseAssertion, verifyAssertion } from '../../crypto/jwt-bearer-assertion.js';
import { ScopeSet, ScopeSyntaxError } from '../../model/scope.js';
import { ClientLookup } from '../../directory/lookups.js';
import { AccessTokenIssuer } from '../../tokens/access-token-issuer.js';
import { ENTITY_ROLE } from '../../tokens/principal.js';
import { PartyResolver } from '../party-resolver.js';
import { ReplayStore } from '../replay-store.js';
import type { Grant, TokenForm, TokenResponse } from './grant.js';
import { grantedScope } from './granted-scope.js';

export const MAX_ASSERTION_LIFETIME_SECONDS = 120;
export const CLOCK_LEEWAY_SECONDS = 30;

/** RFC 7523 §2.1: a client signs an assertion with its registered key and names the party it acts for. */
@Injectable()
export class JwtBearerGrant implements Grant {
  readonly type = GRANT_TYPE.jwtBearer;
  readonly metricName = 'jwt-bearer';
  readonly parameters = {
    assertion: 'RFC 7523 JWT signed with a registered key of the client',
    scope: 'Space-separated, to ask for less',
  };
  private readonly policy: AssertionPolicy;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clients: ClientLookup,
    private readonly parties: PartyResolver,
    private readonly replays: ReplayStore,
    private readonly issuer: AccessTokenIssuer,
  ) {
    const endpoints = [`${config.publicUrl}/auth`, `${config.publicUrl}/auth/token`];
    this.policy = {
      audiences: new Set(endpoints.flatMap((url) => [url, `${url}/`])),
      maxLifetimeSeconds: MAX_ASSERTION_LIFETIME_SECONDS,
      clockLeewaySeconds: CLOCK_LEEWAY_SECONDS,
    };
  }

  async exchange(form: TokenForm): Promise<TokenResponse> {
    const assertionText = form.get('assertion');
    if (assertionText === undefined || assertionText === '') throw new OAuthError('invalid_request', 'The assertion parameter is required');
    const requested = parseRequestedScope(form.get('scope'));

    const assertion = await this.verify(assertionText);
    const { client, entity } = assertion.credentials;
    const acting = await this.parties.resolve(client, assertion.subject);

    const clientScopes = ScopeSet.fromArray(client.scopes);
    const allowed = acting === undefined ? clientScopes : clientScopes.intersect(acting.scopes);
    const granted = grantedScope(allowed, requested, {
      exceeds: 'The requested scope exceeds what this client holds for the party',
      none: 'The client holds no scope for this party',
    });

    // Claimed last, so a refused login consumes nothing; a replay of a good assertion still fails here.
    const expiresAt = new Date((assertion.expiresAt + CLOCK_LEEWAY_SECONDS) * 1000);
    if (!(await this.replays.claim(client.clientId, assertion.jti, expiresAt))) {
      throw new OAuthError('invalid_grant', 'The assertion jti has been used already');
    }

    const { token, expiresIn } = this.issuer.issue({
      clientId: client.clientId,
      eid: entity.eid,
      entityId: entity.id,
      partyId: acting?.party.id,
      role: acting === undefined ? ENTITY_ROLE : `flex_${acting.party.type}`,
      scope: granted,
    });
    return {
      access_token: token,
      expires_in: expiresIn,
      issued_token_type: TOKEN_TYPE.jwt,
      token_type: 'Bearer',
      scope: granted.toString(),
    };
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

function parseRequestedScope(text: string | undefined): ScopeSet | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    return ScopeSet.parse(text);
  } catch (error) {
    if (error instanceof ScopeSyntaxError) throw new OAuthError('invalid_scope', 'The scope parameter is malformed');
    throw error;
  }
}
