import type { AssertionPolicy } from '../crypto/jwt-bearer-assertion.js';

/** An assertion lives at most this long (exp - iat), RFC 7523 assertions and client assertions alike. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 120;
/** Clock leeway for their iat, nbf and exp. */
export const CLOCK_LEEWAY_SECONDS = 30;

/** The policy for assertions naming any of these audiences, each also with a trailing slash. */
export function assertionPolicy(audiences: readonly string[]): AssertionPolicy {
  return {
    audiences: new Set(audiences.flatMap((url) => [url, `${url}/`])),
    maxLifetimeSeconds: MAX_ASSERTION_LIFETIME_SECONDS,
    clockLeewaySeconds: CLOCK_LEEWAY_SECONDS,
  };
}
