import { constants, sign, verify, type KeyObject } from 'node:crypto';

import type { JwsAlgorithm } from './jws-algorithms.js';

/**
 * Checks a JWS signature (RFC 7515 §5.2 step 8, algorithms per RFC 7518 and
 * RFC 8037) with node:crypto's synchronous verify: several times cheaper per
 * login than WebCrypto's promise-based job. The caller has already applied
 * the header rules; this answers only whether `signature` signs
 * `signingInput` (the first two segments, as sent) under `key` with `alg`.
 * A key of the wrong type, or any error, is simply false.
 */
export function verifyJwsSignature(alg: JwsAlgorithm, signingInput: string, signature: Buffer, key: KeyObject): boolean {
  const data = Buffer.from(signingInput, 'ascii');
  try {
    switch (alg) {
      case 'ES256':
        // JWS carries ECDSA signatures as r || s, 32 bytes each (RFC 7518 §3.4), never DER.
        return key.asymmetricKeyType === 'ec' && signature.length === 64 && verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'RS256':
        return key.asymmetricKeyType === 'rsa' && verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'PS256':
        // RFC 7518 §3.5: the salt is as long as the hash, exactly (node would otherwise accept any length).
        return key.asymmetricKeyType === 'rsa' && verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
      case 'EdDSA':
        return key.asymmetricKeyType === 'ed25519' && verify(null, data, key, signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** The JWS signature of `signingInput` under `key` with `alg` (the twin of verifyJwsSignature; ECDSA as r || s). */
export function signJws(alg: JwsAlgorithm, signingInput: string, key: KeyObject): Buffer {
  const data = Buffer.from(signingInput, 'ascii');
  switch (alg) {
    case 'ES256':
      return sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'RS256':
      return sign('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING });
    case 'PS256':
      return sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    case 'EdDSA':
      return sign(null, data, key);
  }
}
