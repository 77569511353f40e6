/**
 * The client SDK: `import { TokenSession, TokenVerifier, tokenMiddleware } from '@token-issuer/sdk'`.
 * Needs only `jose`; the Nest guard is `@token-issuer/sdk/nest`, so that this entry loads without Nest.
 */
export { TokenSession, TokenSessionError, type TokenSessionOptions } from './token-session.js';
export { mtlsFetch, type TlsClientIdentity } from './mtls-fetch.js';
export { TokenVerifier, TokenVerificationError, type TokenVerifierOptions, type VerifiedToken } from './token-verifier.js';
export type { ResourceRequest, SenderBindingOptions } from './sender-binding.js';
export { tokenMiddleware, bearerTokenOf } from './token-middleware.js';
export type { IntrospectionResponse, OAuthErrorResponse, TokenConfirmation, TokenResponse, UserinfoResponse } from '../../src/contract/wire.js';
