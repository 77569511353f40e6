import { Body, Controller, Header, Headers, HttpCode, Ip, Post, Req } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConsumes, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ErrorFormat } from '../common/error-format.js';
import { type PushedAuthorizationResponse, PushedAuthorizationService } from './pushed-authorization.service.js';

@Controller('auth')
@ErrorFormat('oauth')
@ApiTags('oauth')
export class PushedAuthorizationController {
  constructor(private readonly pushed: PushedAuthorizationService) {}

  /** RFC 9126 pushed authorization request. */
  @Post('par')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiCreatedResponse({ description: '{request_uri, expires_in}: use request_uri with client_id at /auth/authorize, once, within expires_in seconds' })
  @ApiBadRequestResponse({ description: 'RFC 6749 §5.2 error (invalid_request, invalid_scope, unauthorized_client, unsupported_response_type); a failed client authentication is 401 invalid_client' })
  par(
    @Headers('content-type') contentType: string | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Ip() address: string,
    @Body() body: unknown,
    @Req() http: FastifyRequest,
  ): Promise<PushedAuthorizationResponse> {
    return this.pushed.push({ contentType, body, authorization, address, http });
  }
}
