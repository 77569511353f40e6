import type { TokenConfirmation } from '../contract/wire.js';
import type { RegistrantTokenPayload } from '../crypto/aes-token-codec.js';
import { partyRole } from '../model/business-id.js';
import { splitOpenIdScopes, type OpenIdScope } from '../model/code-flow-scope.js';
import { ScopeSet } from '../model/scope.js';

/** Claims of an access token (RFC 9068 plus the contract's entity, party and role). */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly client_id: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  readonly eid: string;
  readonly entity_id: number;
  readonly party_id?: number;
  readonly role: string;
  readonly scope: string;
  /** The registrant token an exchanged token came from, or the grant a code-flow token was issued from: revoking that revokes this. */
  readonly sid?: string;
  /** A sender-constrained token's binding (RFC 9449 §6, RFC 8705 §3): resources check its holder has it. */
  readonly cnf?: TokenConfirmation;
}

/**
 * The `client_id` of tokens from the token-exchange grant: no client
 * authenticates there (the portal is a public client), and RFC 9068 requires
 * the claim. It is not a client's UUID, so a Principal carries no client id for it.
 */
export const TOKEN_EXCHANGE_CLIENT_ID = 'token-exchange';

/** The role of a token acting for no party (entity-level, or a person for herself). */
export const ENTITY_ROLE = 'flex_entity';

/** A token's role: its party's, or ENTITY_ROLE when it acts for none. */
export function roleActingFor(party: { readonly type: string } | undefined): string {
  return party === undefined ? ENTITY_ROLE : partyRole(party.type);
}

/** Who is calling, as established by a verified access token or registrant token. */
export class Principal {
  private constructor(
    readonly kind: 'access_token' | 'registrant',
    /** The entity's UUID (`sub`). */
    readonly subject: string,
    readonly entityId: number,
    readonly partyId: number | undefined,
    readonly role: string,
    readonly scope: ScopeSet,
    readonly clientId: string | undefined,
    /** The name a registrant token carries; access tokens carry none. */
    readonly entityName?: string,
    /** The verified claims of an access token. */
    readonly claims?: AccessTokenClaims,
  ) {}

  static fromAccessToken(claims: AccessTokenClaims): Principal {
    // Only registered clients' ids go on (the audit trail stores them in a uuid column).
    const clientId = claims.client_id === TOKEN_EXCHANGE_CLIENT_ID ? undefined : claims.client_id;
    // OpenID scopes (openid, profile) ride in the same claim; they grant no power here, only what userinfo tells.
    return new Principal('access_token', claims.sub, claims.entity_id, claims.party_id, claims.role, ScopeSet.parse(splitOpenIdScopes(claims.scope).rest), clientId, undefined, claims);
  }

  /** A person acting for itself: no party and no scope until it assumes one. */
  static fromRegistrantToken(payload: RegistrantTokenPayload): Principal {
    return new Principal('registrant', payload.eid, payload.entity_id, undefined, ENTITY_ROLE, ScopeSet.EMPTY, undefined, payload.name);
  }

  /** The OpenID scopes the token was issued with (authorization-code tokens only). */
  get openidScopes(): readonly OpenIdScope[] {
    return this.claims === undefined ? [] : splitOpenIdScopes(this.claims.scope).openid;
  }

  /** The same caller with the scope it holds now (PrincipalStanding): never wider than the token's. */
  narrowedTo(scope: ScopeSet): Principal {
    return new Principal(this.kind, this.subject, this.entityId, this.partyId, this.role, this.scope.intersect(scope), this.clientId, this.entityName, this.claims);
  }
}

