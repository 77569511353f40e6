/** The JWS algorithms a client may sign with (RFC 7518, RFC 8037): asymmetric only. */
export const JWS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

/** A key id as we accept it in JWKs and JWS headers: short, and safe to log and store. */
export const KID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
