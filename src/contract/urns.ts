/**
 * The registered names the wire speaks (IANA OAuth registries), written once
 * for the server, the portal and the SDK. No imports: every build can take it.
 */

/** `grant_type` values of the token endpoint. */
export const GRANT_TYPE = {
  jwtBearer: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  tokenExchange: 'urn:ietf:params:oauth:grant-type:token-exchange',
} as const;
export type GrantType = (typeof GRANT_TYPE)[keyof typeof GRANT_TYPE];

/** Token type identifiers (RFC 8693 §3). */
export const TOKEN_TYPE = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const;
export type TokenType = (typeof TOKEN_TYPE)[keyof typeof TOKEN_TYPE];
