/** Lifetimes of the authorization-code flow, its refresh tokens and the issuer's login session. */
export interface CodeFlowConfig {
  /** Access tokens issued from a code or a refresh token (CODE_FLOW_ACCESS_TOKEN_TTL); also the id_token's. */
  readonly accessTokenTtlSeconds: number;
  /** A refresh token family ends this long after the login, however often it rotates (REFRESH_TOKEN_TTL). */
  readonly refreshTokenTtlSeconds: number;
  /** A refresh token unused this long ends (REFRESH_TOKEN_IDLE_TTL). */
  readonly refreshTokenIdleTtlSeconds: number;
  /** The login session at the issuer (its cookie) lasts this long from the password (LOGIN_SESSION_TTL). */
  readonly loginSessionTtlSeconds: number;
  /** New authorization requests one address (or, at PAR, one client) may make per minute, per process (AUTHORIZATION_REQUESTS_PER_MINUTE). */
  readonly requestsPerMinute: number;
}

type Integer = (name: string, fallback: number, min: number, max: number) => number;

/**
 * The code flow's settings, read with loadConfig's `integer`. A code-flow
 * access token never outlives ACCESS_TOKEN_TTL: signing keys are retired
 * after that long, and revocations are kept that long.
 */
export function parseCodeFlowConfig(integer: Integer, accessTokenTtlSeconds: number, problems: string[]): CodeFlowConfig {
  const config: CodeFlowConfig = {
    accessTokenTtlSeconds: integer('CODE_FLOW_ACCESS_TOKEN_TTL', Math.min(600, accessTokenTtlSeconds), 60, 86400),
    refreshTokenTtlSeconds: integer('REFRESH_TOKEN_TTL', 30 * 86400, 60, 366 * 86400),
    refreshTokenIdleTtlSeconds: integer('REFRESH_TOKEN_IDLE_TTL', 7 * 86400, 60, 366 * 86400),
    loginSessionTtlSeconds: integer('LOGIN_SESSION_TTL', 10 * 3600, 60, 30 * 86400),
    requestsPerMinute: integer('AUTHORIZATION_REQUESTS_PER_MINUTE', 300, 1, 1_000_000),
  };
  if (config.accessTokenTtlSeconds > accessTokenTtlSeconds) problems.push('CODE_FLOW_ACCESS_TOKEN_TTL must not exceed ACCESS_TOKEN_TTL');
  if (config.refreshTokenIdleTtlSeconds > config.refreshTokenTtlSeconds) problems.push('REFRESH_TOKEN_IDLE_TTL must not exceed REFRESH_TOKEN_TTL');
  return config;
}
