import { Body, Controller, Header, Headers, HttpCode, Ip, Post, Req, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DpopNonceHeader } from '../tokens/sender-constraint/dpop-nonce-header.interceptor.js';
import { ErrorFormat } from '../common/error-format.js';
import { ApiBadRequestResponse, ApiBody, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { TokenResponse } from './grants/grant.js';
import { TokenEndpointService } from './token-endpoint.service.js';

@Controller('auth')
@ErrorFormat('oauth')
@ApiTags('oauth')
export class TokenController {
  constructor(private readonly tokens: TokenEndpointService) {}

  /** RFC 6749 §3.2 token endpoint; responses are never cached (§5.1). */
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @UseInterceptors(DpopNonceHeader)
  @ApiConsumes('application/x-www-form-urlencoded')
  // Built from the grants' own declarations (GrantRegistry.requestSchema, added in app.ts).
  @ApiBody({ schema: { $ref: '#/components/schemas/TokenRequest' } })
  @ApiOkResponse({ description: '{access_token, expires_in, issued_token_type, token_type, scope}' })
  @ApiBadRequestResponse({ description: 'RFC 6749 §5.2 error: invalid_request, unauthorized_client, unsupported_grant_type, invalid_grant, invalid_scope; token-exchange also invalid_target (RFC 8693). A failed client authentication is 401 invalid_client.' })
  token(
    @Headers('content-type') contentType: string | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Ip() address: string,
    @Body() body: unknown,
    @Req() http: FastifyRequest,
  ): Promise<TokenResponse> {
    return this.tokens.exchange({ contentType, body, authorization, address, http });
  }
}
