import { CLIENT_AUTH_METHODS, type ClientAuthMethod, GRANT_TYPE, type GrantType } from '../contract/urns.js';

/** What a client may be registered with (RFC 7591 names); the token endpoint serves token exchange to no client. */
export const CLIENT_GRANT_TYPES: readonly GrantType[] = [GRANT_TYPE.jwtBearer, GRANT_TYPE.clientCredentials, GRANT_TYPE.password, GRANT_TYPE.authorizationCode, GRANT_TYPE.refreshToken];
export const SECRET_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post'];
/** Methods that authenticate with a registered key: the client needs one. */
const KEY_AUTH_METHODS: readonly ClientAuthMethod[] = ['private_key_jwt', 'self_signed_tls_client_auth'];
const MAX_URIS = 10;
const MAX_URI_LENGTH = 2048;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** A client's metadata as the admin API takes it and the flows read it. */
export interface ClientMetadata {
  readonly grantTypes: readonly string[];
  readonly tokenEndpointAuthMethod: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly requirePushedAuthorizationRequests: boolean;
  readonly tlsClientAuthSubjectDn: string | null;
  readonly dpopBoundAccessTokens: boolean;
  readonly tlsClientCertificateBoundAccessTokens: boolean;
}

/** The metadata of a client registered without any: a JWT-bearer client authenticating with its keys (as every client before metadata). */
export const DEFAULT_CLIENT_METADATA: ClientMetadata = {
  grantTypes: [GRANT_TYPE.jwtBearer],
  tokenEndpointAuthMethod: 'private_key_jwt',
  redirectUris: [],
  postLogoutRedirectUris: [],
  requirePushedAuthorizationRequests: false,
  tlsClientAuthSubjectDn: null,
  dpopBoundAccessTokens: false,
  tlsClientCertificateBoundAccessTokens: false,
};

export function isSecretMethod(method: string): boolean {
  return (SECRET_AUTH_METHODS as readonly string[]).includes(method);
}

/**
 * What is wrong with a client's metadata, by field (snake_case, as the admin
 * API names them); empty when it is coherent. `hasKey`: the client has, or
 * is given, a registered public key.
 */
export function clientMetadataProblems(metadata: ClientMetadata, hasKey: boolean): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  const add = (field: string, message: string) => (problems[field] ??= []).push(message);
  const grants = new Set(metadata.grantTypes);
  const method = metadata.tokenEndpointAuthMethod;

  if (grants.size === 0) add('grant_types', 'At least one grant type is required');
  for (const grant of grants) if (!(CLIENT_GRANT_TYPES as readonly string[]).includes(grant)) add('grant_types', `"${grant.slice(0, 80)}" is not one of ${CLIENT_GRANT_TYPES.join(', ')}`);
  if (grants.size !== metadata.grantTypes.length) add('grant_types', 'A grant type is listed twice');
  if (!(CLIENT_AUTH_METHODS as readonly string[]).includes(method)) add('token_endpoint_auth_method', `must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
  if (method === 'none' && (!grants.has(GRANT_TYPE.authorizationCode) || [...grants].some((grant) => grant !== GRANT_TYPE.authorizationCode && grant !== GRANT_TYPE.refreshToken))) {
    add('token_endpoint_auth_method', 'none (a public client) is for authorization_code with PKCE only (and refresh_token)');
  }
  if (grants.has(GRANT_TYPE.refreshToken) && !grants.has(GRANT_TYPE.authorizationCode) && !grants.has(GRANT_TYPE.password)) {
    add('grant_types', 'refresh_token needs authorization_code or password: it renews what those issue');
  }
  if (!hasKey && (KEY_AUTH_METHODS as readonly string[]).includes(method)) add('public_key', `${method} authenticates with a registered key: give one`);
  if (!hasKey && grants.has(GRANT_TYPE.jwtBearer)) add('public_key', 'The JWT-bearer grant verifies assertions with a registered key: give one');
  if (method === 'tls_client_auth' && !metadata.tlsClientAuthSubjectDn) add('tls_client_auth_subject_dn', 'is required with tls_client_auth');
  if (method !== 'tls_client_auth' && metadata.tlsClientAuthSubjectDn) add('tls_client_auth_subject_dn', 'is only for tls_client_auth');
  if (grants.has(GRANT_TYPE.authorizationCode) && metadata.redirectUris.length === 0) add('redirect_uris', 'authorization_code needs at least one redirect URI');
  if (!grants.has(GRANT_TYPE.authorizationCode) && metadata.requirePushedAuthorizationRequests) add('require_pushed_authorization_requests', 'is only for authorization_code clients');
  for (const [field, uris] of [['redirect_uris', metadata.redirectUris], ['post_logout_redirect_uris', metadata.postLogoutRedirectUris]] as const) {
    if (uris.length > MAX_URIS) add(field, `At most ${MAX_URIS} URIs`);
    for (const uri of uris) {
      const problem = redirectUriProblem(uri);
      if (problem !== null) add(field, `"${uri.slice(0, 80)}" ${problem}`);
    }
  }
  if (metadata.dpopBoundAccessTokens && metadata.tlsClientCertificateBoundAccessTokens) {
    add('dpop_bound_access_tokens', 'A client binds its tokens one way: DPoP or its TLS certificate, not both');
  }
  return problems;
}

/**
 * A redirect URI is matched exactly, so it must be absolute and fixed:
 * https, or http on a loopback host for native apps (RFC 8252 §7.3, any
 * port), without fragment or credentials. Null when acceptable.
 */
export function redirectUriProblem(uri: string): string | null {
  if (uri.length > MAX_URI_LENGTH) return `is longer than ${MAX_URI_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  if (url.hash !== '' || uri.includes('#')) return 'must not have a fragment';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return null;
  return 'must be https, or http on 127.0.0.1, [::1] or localhost';
}
