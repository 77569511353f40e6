import { Inject, Injectable } from '@nestjs/common';
import { Grants, type Grant } from '../authorization/grants.service.js';
import { OAuthError } from '../common/protocol-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { GRANT_TYPE, TOKEN_TYPE } from '../contract/urns.js';
import type { TokenResponse } from '../contract/wire.js';
import { type ActingParty, type ClientCredentials, EntityLookup, PartyLookup } from '../directory/lookups.js';
import type { EntityRecord } from '../directory/records/entity-record.js';
import { splitOpenIdScopes } from '../model/code-flow-scope.js';
import { ScopeSet } from '../model/scope.js';
import { AccessTokenIssuer } from '../tokens/access-token-issuer.js';
import { IdTokenIssuer } from '../tokens/id-token-issuer.js';
import { roleActingFor } from '../tokens/principal.js';
import type { GrantContext } from './grants/grant.js';

/** What a grant's next tokens will say, decided from the directory's live state before anything is used up. */
export interface GrantDecision {
  readonly grant: Grant;
  readonly credentials: ClientCredentials;
  readonly person: EntityRecord;
  readonly acting: ActingParty | undefined;
  readonly openid: readonly string[];
  readonly scope: ScopeSet;
}

const ENDED = 'The login behind this grant no longer stands: its person, client, company or party membership is no longer active';

/**
 * The tokens of a grant (a person's login at a client): an access token
 * acting for her or for her party, with the code flow's lifetime and the
 * grant's id as `sid`; an id_token with the openid scope; a refresh token
 * when the client lists refresh_token. Scope is never more than the grant's,
 * the client's and, for a party, what she holds there now.
 */
@Injectable()
export class GrantTokens {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly entities: EntityLookup,
    private readonly parties: PartyLookup,
    private readonly accessTokens: AccessTokenIssuer,
    private readonly idTokens: IdTokenIssuer,
    private readonly grants: Grants,
  ) {}

  /** invalid_grant when the grant no longer stands; invalid_scope when `requested` asks beyond it. */
  async decide(grant: Grant, credentials: ClientCredentials, requested: string | undefined): Promise<GrantDecision> {
    const { client, entity } = credentials;
    if (!client.active || entity.status !== 'active') throw new OAuthError('invalid_grant', ENDED);
    const person = await this.entities.findEntity(grant.entityId);
    if (person === null || person.type !== 'person' || person.status !== 'active') throw new OAuthError('invalid_grant', ENDED);
    const acting = grant.partyId === null ? undefined : (await this.parties.actingParties(person.id)).find(({ party }) => party.id === grant.partyId);
    if (grant.partyId !== null && acting === undefined) throw new OAuthError('invalid_grant', ENDED);
    // The password grant's logins have no login session: its person must still be one of the client's company's people.
    if (grant.loginSessionId === null && grant.partyId === null && !(await this.parties.actingParties(person.id)).some(({ party }) => party.entityId === client.entityId)) {
      throw new OAuthError('invalid_grant', ENDED);
    }
    const granted = splitOpenIdScopes(grant.scope);
    let held = ScopeSet.parse(granted.rest).intersect(ScopeSet.fromArray(client.scopes));
    if (acting !== undefined) held = held.intersect(acting.scopes);
    if (requested === undefined || requested === '') return { grant, credentials, person, acting, openid: granted.openid, scope: held };
    const asked = splitOpenIdScopes(requested);
    let narrowing: ScopeSet;
    try {
      narrowing = ScopeSet.parse(asked.rest);
    } catch {
      throw new OAuthError('invalid_scope', 'The scope parameter is malformed');
    }
    // RFC 6749 §6: a refresh may ask for less, never for more than the grant holds.
    if (!held.coversAll(narrowing) || asked.openid.some((scope) => !granted.openid.includes(scope))) {
      throw new OAuthError('invalid_scope', 'The requested scope exceeds what this grant holds');
    }
    return { grant, credentials, person, acting, openid: asked.openid, scope: held.intersect(narrowing) };
  }

  /** The token response; `refreshToken` goes with it when the client lists refresh_token. */
  respond(decision: GrantDecision, context: GrantContext, extras: { refreshToken?: string; nonce?: string | null } = {}): TokenResponse {
    const { grant, credentials, person, acting, openid, scope } = decision;
    const { client } = credentials;
    const { token, expiresIn, tokenType } = this.accessTokens.issue({
      clientId: client.clientId,
      eid: person.eid,
      entityId: person.id,
      partyId: acting?.party.id,
      role: roleActingFor(acting?.party),
      scope,
      openidScopes: openid,
      sessionId: grant.id,
      cnf: context.confirmation.for(client),
    }, { lifetimeSeconds: this.config.codeFlow.accessTokenTtlSeconds });
    const idToken = openid.includes('openid')
      ? this.idTokens.issue({
          clientId: client.clientId, eid: person.eid, authTime: grant.authTime, amr: grant.amr, loginSessionId: grant.loginSessionId,
          nonce: extras.nonce ?? null, ...(openid.includes('profile') ? { name: person.name } : {}),
        })
      : undefined;
    return {
      access_token: token,
      token_type: tokenType,
      expires_in: expiresIn,
      issued_token_type: TOKEN_TYPE.accessToken,
      scope: [...openid, ...scope.toArray()].join(' '),
      ...(extras.refreshToken === undefined ? {} : { refresh_token: extras.refreshToken }),
      ...(idToken === undefined ? {} : { id_token: idToken }),
    };
  }

  /** Whether the client is given refresh tokens. */
  static refreshes(credentials: ClientCredentials): boolean {
    return credentials.client.grantTypes.includes(GRANT_TYPE.refreshToken);
  }

  /** RFC 9449 §5: a public client's refresh tokens are bound to the DPoP key it first used. */
  async bindRefreshTokens(decision: GrantDecision, context: GrantContext): Promise<void> {
    if (decision.credentials.client.tokenEndpointAuthMethod === 'none' && context.confirmation.jkt !== undefined) {
      await this.grants.bindDpopKey(decision.grant.id, context.confirmation.jkt);
    }
  }
}
