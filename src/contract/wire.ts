import type { ClientAuthMethod, TokenType } from './urns.js';

/**
 * The wire shapes of the API, each written once and used by the server that
 * produces it, the portal and the SDK that read it: a field renamed here
 * breaks every build that depends on it. Types only.
 */

/** What a sender-constrained token is bound to (`cnf`): a DPoP key (RFC 9449 §6) or a TLS client certificate (RFC 8705 §3.1). */
export interface TokenConfirmation {
  /** RFC 7638 thumbprint of the DPoP proof's key. */
  readonly jkt?: string;
  /** base64url SHA-256 of the certificate's DER. */
  readonly 'x5t#S256'?: string;
}

/** A successful token response (RFC 6749 §5.1, RFC 8693 §2.2.1); `DPoP` when the token is bound to a DPoP key (RFC 9449 §5). */
export interface TokenResponse {
  readonly access_token: string;
  readonly expires_in: number;
  readonly issued_token_type: TokenType;
  readonly token_type: 'Bearer' | 'DPoP';
  readonly scope: string;
  /** authorization_code and refresh_token (and password) for clients that list refresh_token: its successor; it rotates on every use. */
  readonly refresh_token?: string;
  /** authorization_code and refresh_token with the openid scope (OpenID Connect Core §3.1.3.3). */
  readonly id_token?: string;
}

/** Token endpoint errors, RFC 6749 §5.2 (and resource errors, RFC 6750 §3). */
export interface OAuthErrorResponse {
  readonly error: string;
  readonly error_description: string;
}

/** GET /auth/userinfo: who the token speaks for, with current names; party fields only when acting for one. */
export interface UserinfoResponse {
  readonly sub: string;
  readonly current_role: string;
  readonly entity_id: number;
  readonly entity_name: string;
  readonly party_id?: number;
  readonly party_name?: string;
  /** With the profile scope (authorization-code tokens): the person's name, as OpenID Connect names it. */
  readonly name?: string;
}

/** POST /auth/introspect, RFC 7662 §2.2. */
export type IntrospectionResponse =
  | { readonly active: false }
  | {
      readonly active: true;
      readonly token_type: 'Bearer' | 'DPoP';
      readonly scope: string;
      /** Access tokens only. */
      readonly client_id?: string;
      readonly sub: string;
      /** Access tokens only. */
      readonly aud?: string;
      readonly iss: string;
      readonly iat: number;
      readonly exp: number;
      readonly jti: string;
      readonly eid: string;
      readonly entity_id: number;
      readonly party_id?: number;
      readonly role: string;
      /** A sender-constrained token's binding. */
      readonly cnf?: TokenConfirmation;
    };

/** One party the caller's entity may act for (GET /auth/parties): what a portal offers to assume. */
export interface ActingPartyItem {
  readonly party_id: number;
  readonly party_name: string;
  readonly type: string;
  readonly role: string;
  readonly business_id: string;
  readonly business_id_type: string;
  /** The party's owning entity, not the caller. */
  readonly entity_id: number;
  readonly entity_name: string;
  /** What the caller's entity holds there: the owner scopes, or its membership's. */
  readonly scope: string;
  readonly owned: boolean;
}

export interface ActingPartiesResponse {
  readonly parties: ActingPartyItem[];
}

/** POST /api/v1/registrant/auth/token, 201. */
export interface RegistrantLoginResponse {
  readonly access_token: string;
  /** "2018-07-13 11:30:51 UTC", as the registry has always written it. */
  readonly expires_at: string;
  readonly type: 'Bearer';
}

/** Registrant API errors: `{"errors":[{"<field>":["<message>"]}]}`. */
export interface RegistrantErrorResponse {
  readonly errors: Readonly<Record<string, readonly string[]>>[];
}

/** Admin API errors, RFC 9457, with a per-field list on 422. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: readonly { readonly field: string; readonly messages: readonly string[] }[];
}

/** Every admin list. */
export interface Page<T> {
  readonly items: T[];
  readonly page: number;
  readonly per_page: number;
  readonly total: number;
}

export interface EntityView {
  readonly id: number;
  readonly eid: string;
  readonly name: string;
  readonly type: string;
  readonly business_id: string;
  readonly business_id_type: string;
  readonly status: string;
  /** "2023-12-31 00:00:00 Europe/Oslo" */
  readonly recorded_at: string;
  readonly recorded_by: number;
}

export interface PartyView {
  readonly id: number;
  readonly name: string;
  readonly business_id: string;
  readonly business_id_type: string;
  readonly entity_id: number;
  readonly type: string;
  readonly role: string;
  readonly status: string;
  readonly recorded_at: string;
  readonly recorded_by: number;
}

export interface MembershipView {
  readonly id: number;
  readonly entity_id: number;
  readonly party_id: number;
  readonly scopes: string[];
  readonly recorded_at: string;
  readonly recorded_by: number;
}

/** A registered key as shown: never key material beyond its type. */
export interface ClientKeyView {
  readonly kid: string;
  readonly kty: string;
  readonly crv?: string;
  readonly created_at: string;
}

export interface EntityClientView {
  readonly client_id: string;
  readonly entity_id: number;
  readonly name: string;
  readonly scopes: string[];
  readonly party_id: number | null;
  readonly active: boolean;
  readonly keys: ClientKeyView[];
  readonly grant_types: string[];
  readonly token_endpoint_auth_method: ClientAuthMethod;
  readonly redirect_uris: string[];
  readonly post_logout_redirect_uris: string[];
  readonly require_pushed_authorization_requests: boolean;
  readonly tls_client_auth_subject_dn: string | null;
  readonly dpop_bound_access_tokens: boolean;
  readonly tls_client_certificate_bound_access_tokens: boolean;
  readonly recorded_at: string;
  readonly recorded_by: number;
}

/** A client as created: with its first secret, shown this once, when it authenticates with one. */
export type CreatedEntityClientView = EntityClientView & { readonly client_secret?: string; readonly secret_id?: string };

/** POST /admin/entity-clients/{client_id}/secrets: the secret is shown this once. */
export interface CreatedClientSecretView {
  readonly secret_id: string;
  readonly client_secret: string;
  readonly created_at: string;
}

/** GET /admin/entity-clients/{client_id}/secrets: never the secrets themselves. */
export interface ClientSecretsView {
  readonly secrets: { readonly secret_id: string; readonly created_at: string; readonly last_used_at: string | null }[];
}

export interface AuditEventView {
  readonly id: number;
  readonly occurred_at: string;
  readonly actor: { readonly entity_id: number; readonly party_id: number | null; readonly client_id: string | null };
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string; readonly entity_id: number | null };
  readonly diff: Record<string, unknown>;
}

/** POST /admin/entity-clients/{client_id}/revoke-tokens and /admin/entities/{id}/revoke-tokens. */
export type RevokeTokensResponse =
  | { readonly client_id: string; readonly revoked_before: string }
  | { readonly entity_id: number; readonly revoked_before: string };

/** POST /api/v1/setup/link: what a setup link is for, never its code; `email` null lets her choose hers. */
export interface SetupLinkView {
  readonly email: string | null;
  readonly expires_at: string;
}

/** POST /api/v1/setup/operator: the operator person made, her username, and the operator party she may now assume. */
export interface OperatorSetupResponse {
  readonly entity_id: number;
  readonly party_id: number;
  readonly username: string;
}
