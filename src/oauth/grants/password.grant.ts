import { Injectable } from '@nestjs/common';
import { Grants } from '../../authorization/grants.service.js';
import { OAuthError } from '../../common/protocol-errors.js';
import { ThrottledError } from '../../common/throttled-error.js';
import { GRANT_TYPE, TOKEN_TYPE } from '../../contract/urns.js';
import { PartyLookup } from '../../directory/lookups.js';
import { MAX_PASSWORD_LENGTH } from '../../crypto/password-hasher.js';
import { ScopeSet } from '../../model/scope.js';
import { PasswordCheck } from '../../registrant/password-check.service.js';
import { AccessTokenIssuer } from '../../tokens/access-token-issuer.js';
import { ENTITY_ROLE } from '../../tokens/principal.js';
import { requestedScope } from '../client-tokens.service.js';
import { GrantTokens } from '../grant-tokens.service.js';
import type { Grant, GrantContext, TokenForm, TokenResponse } from './grant.js';
import { grantedScope } from './granted-scope.js';

const REFUSED = 'The username or password is wrong';

/**
 * RFC 6749 §4.3, the legacy resource-owner password grant (RFC 9700 §2.4
 * says not to use it: the client sees the person's password). Kept for
 * systems that come from it, off unless a client lists it. The same check as
 * the registrant login (throttle, argon2id, the same work for unknown
 * users), and only for the client's own people: persons who own or are
 * members of a party of the client's entity; anyone else is the same
 * invalid_grant as a wrong password. The token acts for the person,
 * entity-level, with the client's scopes (or fewer, asked for); a client
 * that lists refresh_token gets one, and short access tokens, as in the code flow.
 */
@Injectable()
export class PasswordGrant implements Grant {
  readonly type = GRANT_TYPE.password;
  readonly metricName = 'password';
  readonly clientAuthentication = 'required';
  readonly parameters = { username: "The person's username (her e-mail)", password: 'Her password', scope: 'Space-separated, to ask for less' };

  constructor(
    private readonly passwords: PasswordCheck,
    private readonly parties: PartyLookup,
    private readonly issuer: AccessTokenIssuer,
    private readonly grants: Grants,
    private readonly tokens: GrantTokens,
  ) {}

  async exchange(form: TokenForm, context: GrantContext): Promise<TokenResponse> {
    const username = form.get('username');
    const password = form.get('password');
    if (!username || !password) throw new OAuthError('invalid_request', 'The username and password parameters are required');
    if (username.length > 254 || password.length > MAX_PASSWORD_LENGTH) throw new OAuthError('invalid_request', 'The username or password is too long');
    const { client } = context.client!.credentials;
    const granted = grantedScope(ScopeSet.fromArray(client.scopes), requestedScope(form.get('scope')), {
      exceeds: 'The requested scope exceeds what this client holds',
      none: 'The client holds no scope',
    });
    const ownPerson = async (person: { id: number }) =>
      (await this.parties.actingParties(person.id)).some(({ party }) => party.entityId === client.entityId);
    let person: Awaited<ReturnType<PasswordCheck['check']>>;
    try {
      person = await this.passwords.check(username, password, context.address, ownPerson);
    } catch (error) {
      if (error instanceof ThrottledError) throw OAuthError.throttled('invalid_grant', error.retryAfterSeconds);
      throw error;
    }
    if (person === null) throw new OAuthError('invalid_grant', REFUSED);
    if (GrantTokens.refreshes(context.client!.credentials)) {
      // A login that can be renewed is a grant (its id the tokens' sid), as the code flow's is.
      const { grant, refreshToken } = await this.grants.createWithRefreshToken({
        clientId: client.clientId, entityId: person.id, partyId: null, scope: granted.toString(), loginSessionId: null, authTime: new Date(), amr: ['pwd'],
      });
      return this.tokens.respond(await this.tokens.decide(grant, context.client!.credentials, undefined), context, { refreshToken });
    }
    const { token, expiresIn, tokenType } = this.issuer.issue({ clientId: client.clientId, eid: person.eid, entityId: person.id, partyId: undefined, role: ENTITY_ROLE, scope: granted, cnf: context.confirmation.for(client) });
    return { access_token: token, expires_in: expiresIn, issued_token_type: TOKEN_TYPE.jwt, token_type: tokenType, scope: granted.toString() };
  }
}
