import { GRANT_TYPE } from '../contract/urns.js';
import type { ClientCredentials } from '../directory/lookups.js';
import { CodeFlowScopeError, type CodeFlowScope, parseCodeFlowScope } from '../model/code-flow-scope.js';
import { ScopeSet } from '../model/scope.js';

/** An authorization request that passed every rule. */
export interface AuthorizationParameters {
  readonly clientId: string;
  readonly redirectUri: string;
  /** The scope as asked, and by kind. */
  readonly scope: string;
  readonly parsedScope: CodeFlowScope;
  readonly state: string | undefined;
  readonly nonce: string | undefined;
  readonly codeChallenge: string;
  /** none, login or consent (OpenID Connect Core §3.1.2.1); select_account is not offered. */
  readonly prompt: 'none' | 'login' | 'consent' | undefined;
  readonly maxAge: number | undefined;
}

/**
 * A refused authorization request. `redirect` false: the client or its
 * redirect URI is not established, so the person gets a page in words and
 * nothing is sent anywhere (RFC 6749 §4.1.2.1); true: the error goes back to
 * the client's redirect URI.
 */
export type AuthorizationErrorCode =
  | 'invalid_request' | 'invalid_client' | 'unsupported_response_type' | 'invalid_scope' | 'request_not_supported'
  | 'access_denied' | 'login_required' | 'consent_required' | 'interaction_required';

export class AuthorizationRequestError extends Error {
  override name = 'AuthorizationRequestError';
  constructor(
    readonly code: AuthorizationErrorCode,
    readonly description: string,
    readonly redirect: boolean,
    /** Where a redirecting error goes, with the request's state when it was well-formed. */
    readonly target?: { readonly redirectUri: string; readonly state: string | undefined },
  ) {
    super(description);
  }
}

// RFC 7636 §4.2: S256 gives 32 bytes, 43 base64url characters.
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
// Printable ASCII: state and nonce are echoed into URLs and tokens.
const PRINTABLE = /^[\x20-\x7e]*$/;
const MAX_STATE = 2048;
const MAX_NONCE = 512;

/**
 * The rules of RFC 6749 §4.1.1, RFC 7636 (S256 only) and OpenID Connect
 * Core §3.1.2.1 for one request, from the query (GET), the form (POST) or a
 * pushed request (PAR). `get` returns a parameter's only value, or throws
 * when it was sent twice. The client (null when unknown) and its redirect
 * URI are established first: until both are, nothing redirects.
 */
export function readAuthorizationParameters(get: (name: string) => string | undefined, credentials: ClientCredentials | null, pushed: boolean): AuthorizationParameters {
  let target: AuthorizationRequestError['target'];
  const refuse = (code: AuthorizationErrorCode, description: string): never => {
    throw new AuthorizationRequestError(code, description, true, target);
  };
  const clientId = get('client_id');
  if (clientId === undefined) throw new AuthorizationRequestError('invalid_request', 'The request names no client (client_id).', false);
  const client = credentials?.client;
  if (credentials === null || client === undefined || !client.active || credentials.entity.status !== 'active' || !client.grantTypes.includes(GRANT_TYPE.authorizationCode)) {
    throw new AuthorizationRequestError('invalid_client', 'The application that sent you here is not registered for logins here, or is no longer active.', false);
  }
  const redirectUri = get('redirect_uri');
  if (redirectUri === undefined || !client.redirectUris.some((registered) => redirectMatches(registered, redirectUri))) {
    throw new AuthorizationRequestError('invalid_request', 'The address the application asked to return you to is not one it registered, so you are not sent there.', false);
  }
  const state = get('state');
  const stateIsValid = state === undefined || (state.length <= MAX_STATE && PRINTABLE.test(state));
  target = { redirectUri, state: stateIsValid ? state : undefined };
  if (!stateIsValid) refuse('invalid_request', `The state must be printable ASCII of at most ${MAX_STATE} characters`);
  if (!pushed && client.requirePushedAuthorizationRequests) refuse('invalid_request', 'This client must push its authorization requests first (PAR, RFC 9126)');
  if (get('request') !== undefined) refuse('request_not_supported', 'Request objects are not supported; push the request (PAR) instead');
  if (pushed && get('request_uri') !== undefined) refuse('invalid_request', 'A pushed request must not carry request_uri');

  const responseType = get('response_type');
  if (responseType === undefined) refuse('invalid_request', 'The response_type parameter is required');
  if (responseType !== 'code') refuse('unsupported_response_type', 'Only response_type=code is supported');
  const responseMode = get('response_mode');
  if (responseMode !== undefined && responseMode !== 'query') refuse('invalid_request', 'Only response_mode=query is supported');

  const method = get('code_challenge_method');
  const challenge = get('code_challenge');
  if (challenge === undefined) refuse('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256');
  if (method !== 'S256') refuse('invalid_request', 'PKCE must use code_challenge_method=S256 (plain is not accepted)');
  if (!S256_CHALLENGE.test(challenge!)) refuse('invalid_request', 'The code_challenge must be the 43-character base64url SHA-256 of the verifier');

  const scope = get('scope') ?? '';
  let parsedScope: CodeFlowScope;
  try {
    parsedScope = parseCodeFlowScope(scope);
  } catch (error) {
    if (!(error instanceof CodeFlowScopeError)) throw error;
    return refuse('invalid_scope', `The scope is malformed: ${error.message}`);
  }
  if (parsedScope.scopes !== undefined && !ScopeSet.fromArray(client.scopes).coversAll(parsedScope.scopes)) {
    refuse('invalid_scope', 'The scope asks for more than this client may hold');
  }

  const nonce = get('nonce');
  if (nonce !== undefined && (nonce.length > MAX_NONCE || !PRINTABLE.test(nonce))) refuse('invalid_request', `The nonce must be printable ASCII of at most ${MAX_NONCE} characters`);
  return { clientId: client.clientId, redirectUri: redirectUri!, scope, parsedScope, state, nonce, codeChallenge: challenge!, prompt: promptOf(get('prompt'), refuse), maxAge: maxAgeOf(get('max_age'), refuse) };
}

function promptOf(text: string | undefined, refuse: (code: AuthorizationErrorCode, description: string) => never): AuthorizationParameters['prompt'] {
  if (text === undefined || text === '') return undefined;
  if (text === 'none' || text === 'login' || text === 'consent') return text;
  if (text.split(' ').includes('none')) return refuse('invalid_request', 'prompt=none cannot be combined with another value');
  return refuse('invalid_request', 'prompt must be none, login or consent');
}

function maxAgeOf(text: string | undefined, refuse: (code: AuthorizationErrorCode, description: string) => never): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(text)) return refuse('invalid_request', 'max_age must be a whole number of seconds');
  return Number(text);
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Exact string comparison (RFC 9700 §4.1.3: no normalization, no prefix, no
 * added query), with one exception: an http loopback URI matches on any
 * port (RFC 8252 §7.3), since a native app listens on whatever port is free.
 */
export function redirectMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  if (!registered.startsWith('http://') || !requested.startsWith('http://')) return false;
  let a: URL;
  let b: URL;
  try {
    a = new URL(registered);
    b = new URL(requested);
  } catch {
    return false;
  }
  const withoutPort = (url: URL, text: string) => text.replace(`${url.hostname}${url.port === '' ? '' : `:${url.port}`}`, url.hostname);
  return LOOPBACK.has(a.hostname) && a.hostname === b.hostname && withoutPort(a, registered) === withoutPort(b, requested);
}
