import type { FastifyInstance } from 'fastify';

// The API answers JSON only: nothing of it may run, load or be framed.
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
// Swagger UI: its own scripts only (it has no inline script), inline styles for its layout.
const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// The portal: its own files only, no inline script or style, and Trusted Types
// enforced so that no string can ever reach an HTML sink (it renders text only).
const PORTAL_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

function contentSecurityPolicy(url: string): string {
  if (url.startsWith('/docs')) return DOCS_CSP;
  if (url === '/portal' || url.startsWith('/portal/')) return PORTAL_CSP;
  return API_CSP;
}

/**
 * Headers on every response. Responses are not cached unless a route says
 * otherwise (JWKS and metadata do); HSTS when the public URL is https.
 */
export function registerSecurityHeaders(fastify: FastifyInstance, options: { https: boolean }): void {
  // A callback hook, not an async one: no promise per response.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    // A route that serves a page of its own (the login pages) sets its own policy.
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', contentSecurityPolicy(request.url));
    if (options.https) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', request.url.startsWith('/docs') ? 'public, max-age=300' : 'no-store');
    done(null, payload);
  });
}
