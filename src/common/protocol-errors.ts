/**
 * One error type per protocol. Services throw these; ProtocolExceptionFilter
 * is the only place that turns them into HTTP.
 */

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'unsupported_response_type'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'server_error'
  | 'temporarily_unavailable';

/** Token endpoint errors, RFC 6749 §5.2. */
export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status = code === 'invalid_client' ? 401 : code === 'server_error' ? 500 : code === 'temporarily_unavailable' ? 503 : 400,
    readonly headers: { readonly wwwAuthenticate?: string; readonly retryAfterSeconds?: number; readonly dpopNonce?: string } = {},
  ) {
    super(`${code}: ${description}`);
    this.name = 'OAuthError';
  }

  /** A failed client authentication (§5.2): 401, with the challenge of the scheme the client tried (Basic), if any. */
  static invalidClient(description: string, basicTried: boolean): OAuthError {
    return new OAuthError('invalid_client', description, 401, basicTried ? { wwwAuthenticate: 'Basic realm="token-issuer", charset="UTF-8"' } : {});
  }

  /** Too many failed attempts: 429 with Retry-After. */
  static throttled(code: OAuthErrorCode, retryAfterSeconds: number): OAuthError {
    return new OAuthError(code, 'Too many failed attempts; try again later', 429, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) });
  }
}

/**
 * Protected-resource errors, RFC 6750 §3. `code` absent means no credentials
 * were sent. With `dpopAlgs` the challenge is RFC 9449 §7.1's DPoP scheme,
 * naming the algorithms a proof may use: for DPoP requests and DPoP-bound tokens.
 */
export class BearerTokenError extends Error {
  private constructor(
    readonly status: 401 | 403 | 400,
    readonly code: 'invalid_token' | 'insufficient_scope' | 'invalid_request' | 'invalid_dpop_proof' | 'use_dpop_nonce' | undefined,
    readonly description: string,
    readonly scope?: string,
    readonly dpopAlgs?: readonly string[],
    /** A fresh DPoP-Nonce to send with the refusal. */
    readonly dpopNonce?: string,
  ) {
    super(description);
    this.name = 'BearerTokenError';
  }

  static missing(): BearerTokenError {
    return new BearerTokenError(401, undefined, 'A bearer access token is required');
  }

  static invalid(description = 'The access token is invalid or expired', dpopAlgs?: readonly string[]): BearerTokenError {
    return new BearerTokenError(401, 'invalid_token', description, undefined, dpopAlgs);
  }

  static malformed(description: string, dpopAlgs?: readonly string[]): BearerTokenError {
    return new BearerTokenError(400, 'invalid_request', description, undefined, dpopAlgs);
  }

  /** RFC 9449 §7.1: a DPoP proof that is missing, malformed or wrong (invalid_dpop_proof), or lacks a fresh nonce (use_dpop_nonce). */
  static dpop(code: 'invalid_dpop_proof' | 'use_dpop_nonce', description: string, dpopAlgs: readonly string[], dpopNonce?: string): BearerTokenError {
    return new BearerTokenError(401, code, description, undefined, dpopAlgs, dpopNonce);
  }

  /** 403 for a token that may not do this whatever its scope (another application's token at a person's own settings). */
  static notForThisToken(description: string): BearerTokenError {
    return new BearerTokenError(403, 'insufficient_scope', description);
  }

  static insufficientScope(scope: string, dpopAlgs?: readonly string[]): BearerTokenError {
    return new BearerTokenError(403, 'insufficient_scope', `The access token's scope does not cover ${scope}`, scope, dpopAlgs);
  }
}

export interface FieldErrors {
  readonly [field: string]: readonly string[];
}

/** Admin API errors as RFC 9457 problem details. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly fieldErrors?: FieldErrors,
  ) {
    super(detail ?? title);
    this.name = 'ProblemError';
  }

  static validation(fieldErrors: FieldErrors): ProblemError {
    return new ProblemError(422, 'Unprocessable Content', 'The request body is not valid', fieldErrors);
  }

  static conflict(detail: string): ProblemError {
    return new ProblemError(409, 'Conflict', detail);
  }

  static notFound(detail: string): ProblemError {
    return new ProblemError(404, 'Not Found', detail);
  }

  static forbidden(detail: string): ProblemError {
    return new ProblemError(403, 'Forbidden', detail);
  }
}

/**
 * Registrant API errors in the registry's shape: `{"errors":[{"<field>":["<message>"]}]}`;
 * `retryAfterSeconds` becomes a Retry-After header (429).
 */
export class RegistrantError extends Error {
  private constructor(
    readonly status: number,
    readonly errors: FieldErrors,
    readonly retryAfterSeconds?: number,
  ) {
    super(`registrant error ${status}`);
    this.name = 'RegistrantError';
  }

  /** One answer for every authentication failure, so none tells which part was wrong. */
  static notAuthorized(): RegistrantError {
    return new RegistrantError(401, { base: ['Not authorized'] });
  }

  static invalid(errors: FieldErrors): RegistrantError {
    return new RegistrantError(422, errors);
  }

  static throttled(retryAfterSeconds: number, message = 'Too many failed login attempts; try again later'): RegistrantError {
    return new RegistrantError(429, { base: [message] }, Math.max(1, Math.ceil(retryAfterSeconds)));
  }

  static http(status: number, message: string): RegistrantError {
    return new RegistrantError(status, { base: [message] });
  }
}
