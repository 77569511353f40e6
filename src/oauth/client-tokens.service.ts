import { Injectable } from '@nestjs/common';
import { OAuthError } from '../common/protocol-errors.js';
import { TOKEN_TYPE } from '../contract/urns.js';
import type { TokenConfirmation, TokenResponse } from '../contract/wire.js';
import type { ActingParty, ClientCredentials } from '../directory/lookups.js';
import { ScopeSet, ScopeSyntaxError } from '../model/scope.js';
import { AccessTokenIssuer, type IssueLimits } from '../tokens/access-token-issuer.js';
import { roleActingFor } from '../tokens/principal.js';
import { grantedScope } from './grants/granted-scope.js';
import { PartyResolver } from './party-resolver.js';
import type { SenderConfirmation } from './sender-constraint/sender-confirmation.js';

/** What a client's own token will say: the party it acts for (none: entity-level) and the scope granted. */
export interface ClientTokenGrant {
  readonly credentials: ClientCredentials;
  readonly acting: ActingParty | undefined;
  readonly scope: ScopeSet;
  /** What the token is bound to; undefined: a bearer token. */
  readonly cnf?: TokenConfirmation;
}

/**
 * The access token a client gets for itself, whichever grant proved it (the
 * JWT-bearer assertion, client_credentials, a process token): acting for the
 * party `sub` names or its fixed party, or entity-level; its scope is the
 * client's scopes ∩ what its entity holds there ∩ the requested scope.
 */
@Injectable()
export class ClientTokens {
  constructor(
    private readonly parties: PartyResolver,
    private readonly issuer: AccessTokenIssuer,
  ) {}

  /**
   * Decides party, scope and binding (the request's `confirmation`, none for
   * a hand-off token); throws invalid_grant / invalid_scope / invalid_request.
   * Nothing is issued yet.
   */
  async grant(credentials: ClientCredentials, subject: string | undefined, requested: ScopeSet | undefined, confirmation?: SenderConfirmation): Promise<ClientTokenGrant> {
    const acting = await this.parties.resolve(credentials.client, subject);
    const clientScopes = ScopeSet.fromArray(credentials.client.scopes);
    const allowed = acting === undefined ? clientScopes : clientScopes.intersect(acting.scopes);
    const scope = grantedScope(allowed, requested, {
      exceeds: 'The requested scope exceeds what this client holds for the party',
      none: 'The client holds no scope for this party',
    });
    return { credentials, acting, scope, cnf: confirmation?.for(credentials.client) };
  }

  /** The token response for a decided grant; `claims` are added to the token (e.g. a process's). */
  issue({ credentials, acting, scope, cnf }: ClientTokenGrant, claims: Readonly<Record<string, string>> = {}, limits: IssueLimits = {}): TokenResponse {
    const { client, entity } = credentials;
    const { token, expiresIn, tokenType } = this.issuer.issue({
      clientId: client.clientId,
      eid: entity.eid,
      entityId: entity.id,
      partyId: acting?.party.id,
      role: roleActingFor(acting?.party),
      scope,
      claims,
      cnf,
    }, limits);
    return { access_token: token, expires_in: expiresIn, issued_token_type: TOKEN_TYPE.jwt, token_type: tokenType, scope: scope.toString() };
  }
}

/** The `scope` parameter, when sent: asks for less (RFC 6749 §3.3). */
export function requestedScope(text: string | undefined): ScopeSet | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    return ScopeSet.parse(text);
  } catch (error) {
    if (error instanceof ScopeSyntaxError) throw new OAuthError('invalid_scope', 'The scope parameter is malformed');
    throw error;
  }
}
