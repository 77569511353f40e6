/**
 * The registered names the wire speaks (IANA OAuth registries), written once
 * for the server, the portal and the SDK. No imports: every build can take it.
 */

/** `grant_type` values of the token endpoint. */
export const GRANT_TYPE = {
  jwtBearer: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  tokenExchange: 'urn:ietf:params:oauth:grant-type:token-exchange',
  clientCredentials: 'client_credentials',
  password: 'password',
  authorizationCode: 'authorization_code',
  refreshToken: 'refresh_token',
} as const;
export type GrantType = (typeof GRANT_TYPE)[keyof typeof GRANT_TYPE];

/** Token type identifiers (RFC 8693 §3). */
export const TOKEN_TYPE = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const;
export type TokenType = (typeof TOKEN_TYPE)[keyof typeof TOKEN_TYPE];

/** `client_assertion_type` of private_key_jwt client authentication (RFC 7523 §2.2). */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** `token_endpoint_auth_method` values (RFC 7591 §2, RFC 8705 §2). */
export const CLIENT_AUTH_METHODS = ['private_key_jwt', 'client_secret_basic', 'client_secret_post', 'tls_client_auth', 'self_signed_tls_client_auth', 'none'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/**
 * The portal's client id: a public client (none + PKCE) the service registers
 * for itself at start-up, its redirect URI PUBLIC_URL/portal/. First-party:
 * its logins ask for no consent.
 */
export const PORTAL_CLIENT_ID = '0b7f4c1e-5d2a-4e8b-9c3f-6a1d2e3f4a5b';
