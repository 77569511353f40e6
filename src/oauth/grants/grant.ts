import type { TokenResponse } from '../../contract/wire.js';
import type { FormParameters } from '../form-body.js';

export type { TokenResponse };

/** Token endpoint parameters after the form rules: each present once, as a string. */
export type TokenForm = FormParameters;

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
  exchange(form: TokenForm): Promise<TokenResponse>;
}
