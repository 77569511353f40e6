import { type CanActivate, type ExecutionContext, HttpException, Injectable, mixin, type Type } from '@nestjs/common';
import type { ResourceRequest } from './sender-binding.js';
import { TokenVerificationError, type TokenVerifier } from './token-verifier.js';

/**
 * A Nest guard class for downstream services: `@UseGuards(TokenGuard(verifier, 'read:data'))`.
 * Verifies the request's token with its binding (a certificate-bound token over the same
 * certificate, a DPoP-bound one with its proof), sets `request.token`; refuses with 401/403,
 * the RFC 6750 (or DPoP) challenge and a JSON body.
 * `@token-issuer/sdk/nest`: the only module of the SDK that imports Nest (an
 * optional peer dependency), kept out of the main entry.
 */
export function TokenGuard(verifier: TokenVerifier, requiredScope?: string): Type<CanActivate> {
  @Injectable()
  class VerifiedTokenGuard implements CanActivate {
    async canActivate(context: ExecutionContext): Promise<boolean> {
      const http = context.switchToHttp();
      const request = http.getRequest<ResourceRequest & { token?: unknown }>();
      try {
        request.token = await verifier.verifyRequest(request, requiredScope);
        return true;
      } catch (error) {
        if (!(error instanceof TokenVerificationError)) throw error;
        const response = http.getResponse<{ header?(name: string, value: string): unknown; setHeader?(name: string, value: string): unknown }>();
        if (response.header) response.header('www-authenticate', error.challenge);
        else response.setHeader?.('www-authenticate', error.challenge);
        throw new HttpException({ error: error.error, error_description: error.message }, error.status);
      }
    }
  }
  return mixin(VerifiedTokenGuard);
}
