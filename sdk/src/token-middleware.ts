import type { ResourceRequest } from './sender-binding.js';
import type { TokenVerifier, VerifiedToken } from './token-verifier.js';
import { TokenVerificationError } from './token-verifier.js';

type MinimalRequest = ResourceRequest & { token?: VerifiedToken };
interface MinimalResponse {
  statusCode?: number;
  setHeader?(name: string, value: string): unknown;
  header?(name: string, value: string): unknown;
  end?(body: string): unknown;
  send?(body: string): unknown;
}

/**
 * `(req, res, next)` middleware for Express, Connect, or Fastify (with
 * @fastify/middie): verifies the request's token with its binding
 * (TokenVerifier.verifyRequest), sets `req.token`, or answers 401/403 with
 * the RFC 6750 (or DPoP) challenge.
 */
export function tokenMiddleware(verifier: TokenVerifier, options: { requiredScope?: string } = {}) {
  return async (req: MinimalRequest, res: MinimalResponse, next: (error?: unknown) => void): Promise<void> => {
    try {
      req.token = await verifier.verifyRequest(req, options.requiredScope);
      next();
    } catch (error) {
      if (!(error instanceof TokenVerificationError)) return next(error);
      const set = (name: string, value: string) => (res.setHeader ? res.setHeader(name, value) : res.header?.(name, value));
      res.statusCode = error.status;
      set('www-authenticate', error.challenge);
      set('content-type', 'application/json');
      const body = JSON.stringify({ error: error.error, error_description: error.message });
      if (res.end) res.end(body);
      else res.send?.(body);
    }
  };
}

/** The token of `Authorization: Bearer <token>`, or a TokenVerificationError. */
export function bearerTokenOf(header: string | string[] | undefined): string {
  const match = typeof header === 'string' ? /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header) : null;
  if (match === null) throw new TokenVerificationError(401, 'invalid_token', 'A bearer access token is required');
  return match[1];
}
