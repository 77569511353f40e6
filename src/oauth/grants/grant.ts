import type { FormParameters } from '../form-body.js';

/** Token endpoint parameters after the form rules: each present once, as a string. */
export type TokenForm = FormParameters;

/** The successful token response body (RFC 6749 §5.1 / RFC 8693 §2.2.1). */
export interface TokenResponse {
  readonly access_token: string;
  readonly expires_in: number;
  readonly issued_token_type: string;
  readonly token_type: 'Bearer';
  readonly scope: string;
}

/**
 * One grant type. Adding a grant is one new file implementing this and one
 * entry in grant-registry.ts; failures are thrown as OAuthError.
 */
export interface Grant {
  /** The `grant_type` value it answers. */
  readonly type: string;
  /** Its short name in metrics, e.g. `jwt-bearer`. */
  readonly metricName: string;
  /** The form fields it reads; others are ignored (RFC 6749 §3.2). */
  readonly parameters: ReadonlySet<string>;
  exchange(form: TokenForm): Promise<TokenResponse>;
}
