import { Body, Controller, Header, Headers, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ErrorFormat } from '../common/error-format.js';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { IntrospectionResponse } from '../contract/wire.js';
import { RequireScope, TokenClaimsSuffice } from '../tokens/access-token.guard.js';
import { INTROSPECTION_SCOPE, IntrospectionCallerGuard } from './introspection-caller.guard.js';
import { IntrospectionService } from './introspection.service.js';

@Controller('auth')
@ErrorFormat('oauth')
@ApiTags('oauth')
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionService) {}

  /** RFC 7662 token introspection, for a client authenticated by its registered method or a bearer token, either covering use:auth:introspect. */
  @Post('introspect')
  @HttpCode(200)
  @UseGuards(IntrospectionCallerGuard)
  @TokenClaimsSuffice()
  @RequireScope(INTROSPECTION_SCOPE)
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth()
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' }, token_type_hint: { type: 'string', description: 'Not needed: the kind is told by the token itself' } } } })
  @ApiOkResponse({ description: '{"active":false}, or active with token_type, scope, client_id, sub, exp, iat, iss, jti, entity_id, party_id, role' })
  introspect(@Headers('content-type') contentType: string | undefined, @Body() body: unknown): Promise<IntrospectionResponse> {
    return this.introspection.introspect(contentType, body);
  }
}
