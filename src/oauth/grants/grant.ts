import type { TokenResponse } from '../../contract/wire.js';
import type { AuthenticatedClient } from '../client-authentication/client-authenticator.service.js';
import type { FormParameters } from '../form-body.js';
import type { SenderConfirmation } from '../sender-constraint/sender-confirmation.js';

export type { TokenResponse };

/** Token endpoint parameters after the form rules: each present once, as a string. */
export type TokenForm = FormParameters;

/** What the token endpoint knows of the request besides its grant's parameters. */
export interface GrantContext {
  /** The client that authenticated (client_secret_basic, private_key_jwt, …), if any did; it lists this grant. */
  readonly client: AuthenticatedClient | undefined;
  /** The caller's address, for throttling. */
  readonly address: string;
  /**
   * What the request proved of its sender (its DPoP proof's key, its TLS
   * certificate), verified before the grant runs. A grant puts
   * `confirmation.for(client)` into every access token it issues (AccessTokenSubject.cnf;
   * undefined means a bearer token) and answers `token_type` as the issuer
   * says; `confirmation.jkt` is the DPoP key, e.g. to bind a public client's refresh token to.
   */
  readonly confirmation: SenderConfirmation;
}

/**
 * One grant type. Adding a grant is one new file implementing this and one
 * entry in grant-registry.ts; failures are thrown as OAuthError. What it
 * declares here is also what the metadata and the OpenAPI document say.
 */
export interface Grant {
  /** The `grant_type` value it answers. */
  readonly type: string;
  /** Its short name in metrics, e.g. `jwt-bearer`. */
  readonly metricName: string;
  /** The form fields it reads, each with what it means; others are ignored (RFC 6749 §3.2). */
  readonly parameters: Readonly<Record<string, string>>;
  /** `required`: only an authenticated client may use it (invalid_client otherwise). */
  readonly clientAuthentication: 'required' | 'optional';
  exchange(form: TokenForm, context: GrantContext): Promise<TokenResponse>;
}
