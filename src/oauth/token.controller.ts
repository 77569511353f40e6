import { Controller, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorFormat } from '../common/error-format.js';
import { ApiBadRequestResponse, ApiBody, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DpopProofs } from '../tokens/sender-constraint/dpop-proofs.service.js';
import type { TokenResponse } from './grants/grant.js';
import { TokenEndpointService } from './token-endpoint.service.js';

@Controller('auth')
@ErrorFormat('oauth')
@ApiTags('oauth')
export class TokenController {
  constructor(
    private readonly tokens: TokenEndpointService,
    private readonly dpop: DpopProofs,
  ) {}

  /**
   * RFC 6749 §3.2 token endpoint; responses are never cached (§5.1). One
   * parameter, the request: each parameter decorator, and above all an
   * interceptor (an rxjs pipeline per request), costs on every login.
   */
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiConsumes('application/x-www-form-urlencoded')
  // Built from the grants' own declarations (GrantRegistry.requestSchema, added in app.ts).
  @ApiBody({ schema: { $ref: '#/components/schemas/TokenRequest' } })
  @ApiOkResponse({ description: '{access_token, expires_in, issued_token_type, token_type, scope}' })
  @ApiBadRequestResponse({ description: 'RFC 6749 §5.2 error: invalid_request, unauthorized_client, unsupported_grant_type, invalid_grant, invalid_scope; token-exchange also invalid_target (RFC 8693). A failed client authentication is 401 invalid_client.' })
  token(@Req() http: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<TokenResponse> {
    // RFC 9449 §8.2: a fresh DPoP-Nonce to every request that sent a proof (DPOP_NONCE on), errors too, so the next proof carries it.
    const nonce = http.headers.dpop === undefined ? undefined : this.dpop.currentNonce();
    if (nonce !== undefined) reply.header('dpop-nonce', nonce);
    return this.tokens.exchange({ contentType: http.headers['content-type'], body: http.body, authorization: http.headers.authorization, address: http.ip, http });
  }
}
