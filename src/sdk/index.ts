/** The client SDK: `import { TokenSession, TokenVerifier, tokenMiddleware, TokenGuard } from 'token-issuer/sdk'`. */
export { TokenSession, TokenSessionError, type TokenSessionOptions } from './token-session.js';
export { TokenVerifier, TokenVerificationError, type TokenVerifierOptions, type VerifiedToken } from './token-verifier.js';
export { tokenMiddleware, bearerTokenOf } from './token-middleware.js';
export { TokenGuard } from './token.guard.js';
