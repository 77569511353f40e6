import { Inject, Injectable } from '@nestjs/common';
import { GRANT_TYPE, TOKEN_TYPE, type TokenType } from '../../contract/urns.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { OAuthError } from '../../common/protocol-errors.js';
import { partyRole } from '../../model/business-id.js';
import { ASSUME_PARTY_FORM, AssumePartyScopeError, parseAssumePartyScope, type AssumePartyScope } from '../../model/assume-party-scope.js';
import type { RegistrantTokenPayload } from '../../crypto/aes-token-codec.js';
import { EntityLookup, PartyLookup } from '../../directory/lookups.js';
import { AccessTokenIssuer, type AccessTokenSubject, NoLifetimeLeftError } from '../../tokens/access-token-issuer.js';
import { TOKEN_EXCHANGE_CLIENT_ID } from '../../tokens/principal.js';
import { RegistrantTokens } from '../../tokens/registrant-tokens.service.js';
import type { Grant, GrantContext, TokenForm, TokenResponse } from './grant.js';
import { grantedScope } from './granted-scope.js';

const ACCESS_TOKEN_TYPE = TOKEN_TYPE.accessToken;
const JWT_TOKEN_TYPE = TOKEN_TYPE.jwt;
/** Our access tokens are both an access token and a JWT, so either may be asked for (RFC 8693 §2.1). */
const ISSUABLE_TOKEN_TYPES: ReadonlySet<string> = new Set([ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE]);

const INVALID_SUBJECT = 'The subject_token is not a valid registrant token';
const NOT_ACTING = 'The subject may not act for this party';

/**
 * RFC 8693 token exchange: a person holding a registrant token assumes a
 * party she may act for (one her entity owns, or one she is a member of)
 * with `scope=assume:party:<party_id> [narrowing scopes]`, and gets the same
 * kind of signed access token the JWT-bearer grant issues, acting for that
 * party. No client authenticates (the portal is a public client); the
 * subject token is the only credential, so it is verified before anything
 * else is trusted, and the exchanged token never outlives it nor survives
 * its revocation (claim `sid`).
 */
@Injectable()
export class TokenExchangeGrant implements Grant {
  readonly type = GRANT_TYPE.tokenExchange;
  readonly metricName = 'token-exchange';
  readonly clientAuthentication = 'optional';
  readonly parameters = {
    subject_token: "The person's registrant token",
    subject_token_type: ACCESS_TOKEN_TYPE,
    scope: 'Exactly one assume:party:<party_id>, optionally with scopes to ask for less',
    requested_token_type: `Optional: ${ACCESS_TOKEN_TYPE} (the default) or ${JWT_TOKEN_TYPE}`,
    audience: 'Optional: PUBLIC_URL only',
    resource: 'Optional: PUBLIC_URL only',
    actor_token: 'Refused: no delegation',
    actor_token_type: 'Refused: no delegation',
  };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registrantTokens: RegistrantTokens,
    private readonly entities: EntityLookup,
    private readonly parties: PartyLookup,
    private readonly issuer: AccessTokenIssuer,
  ) {}

  async exchange(form: TokenForm, context: GrantContext): Promise<TokenResponse> {
    // The request's form first: cheap, and none of it is trusted yet.
    const subjectToken = this.subjectTokenOf(form);
    if (form.has('actor_token') || form.has('actor_token_type')) {
      throw new OAuthError('invalid_request', 'Delegation is not supported: actor_token must not be sent');
    }
    const issuedTokenType = form.get('requested_token_type') ?? ACCESS_TOKEN_TYPE;
    if (!ISSUABLE_TOKEN_TYPES.has(issuedTokenType)) {
      throw new OAuthError('invalid_request', `The requested_token_type is not supported: use ${ACCESS_TOKEN_TYPE} or ${JWT_TOKEN_TYPE}`);
    }
    // The only audience our tokens have is the issuer itself (their `aud`).
    for (const name of ['audience', 'resource']) {
      const target = form.get(name);
      if (target !== undefined && target !== this.config.publicUrl) {
        throw new OAuthError('invalid_target', `The ${name} must be ${this.config.publicUrl}, the only audience of the tokens issued here`);
      }
    }
    const requested = assumeScopeOf(form.get('scope'));

    const subject = await this.verifySubject(subjectToken);
    const person = await this.entities.findEntity(subject.entity_id);
    if (person === null || person.eid !== subject.eid || person.status !== 'active') {
      throw new OAuthError('invalid_request', "The subject_token's entity is unknown or inactive");
    }

    // The same answer whether the party does not exist, is inactive or is someone else's: ids do not leak.
    const acting = (await this.parties.actingParties(person.id)).find((candidate) => candidate.party.id === requested.partyId);
    if (acting === undefined) throw new OAuthError('invalid_target', NOT_ACTING);

    const granted = grantedScope(acting.scopes, requested.narrowing, {
      exceeds: 'The requested scope exceeds what the subject holds for this party',
      none: 'The subject holds no scope for this party',
    });

    const { token, expiresIn, tokenType } = this.issue(subject, {
      clientId: TOKEN_EXCHANGE_CLIENT_ID,
      eid: person.eid,
      entityId: person.id,
      partyId: acting.party.id,
      role: partyRole(acting.party.type),
      scope: granted,
      sessionId: subject.jti,
      cnf: context.confirmation.for(undefined),
    });
    return { access_token: token, expires_in: expiresIn, issued_token_type: issuedTokenType as TokenType, token_type: tokenType, scope: granted.toString() };
  }

  private subjectTokenOf(form: TokenForm): string {
    const token = form.get('subject_token');
    const type = form.get('subject_token_type');
    if (token === undefined || token === '') throw new OAuthError('invalid_request', 'The subject_token parameter is required');
    if (type === undefined || type === '') throw new OAuthError('invalid_request', 'The subject_token_type parameter is required');
    // Registrant tokens are access tokens to us (RFC 8693 §3); nothing else is accepted as a subject.
    if (type !== ACCESS_TOKEN_TYPE) throw new OAuthError('invalid_request', `The subject_token_type is not supported: use ${ACCESS_TOKEN_TYPE}`);
    return token;
  }

  /** Never beyond the subject token's exp, which may have passed while the directory was read. */
  private issue(subject: RegistrantTokenPayload, claims: AccessTokenSubject): ReturnType<AccessTokenIssuer['issue']> {
    try {
      return this.issuer.issue(claims, { notAfter: subject.exp });
    } catch (error) {
      if (error instanceof NoLifetimeLeftError) throw new OAuthError('invalid_request', INVALID_SUBJECT);
      throw error;
    }
  }

  /**
   * MAC, expiry and revocation (RegistrantTokens.verify); a JWT access token
   * fails here too. The codec allows a few seconds of leeway past `exp`, but an
   * exchanged token must end when its subject does, so that leeway is no use.
   * RFC 8693 §2.2.2: an invalid subject token is invalid_request.
   */
  private async verifySubject(token: string): Promise<RegistrantTokenPayload> {
    const payload = await this.registrantTokens.verify(token);
    if (payload === null || payload.exp <= Math.floor(Date.now() / 1000)) throw new OAuthError('invalid_request', INVALID_SUBJECT);
    return payload;
  }
}

function assumeScopeOf(text: string | undefined): AssumePartyScope {
  try {
    return parseAssumePartyScope(text);
  } catch (error) {
    if (!(error instanceof AssumePartyScopeError)) throw error;
    if (error.reason === 'scope_malformed') throw new OAuthError('invalid_scope', 'The scope parameter is malformed');
    throw new OAuthError('invalid_scope', `The scope must contain exactly one ${ASSUME_PARTY_FORM}`);
  }
}
