import { Body, Controller, Header, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { TokenResponse } from './grants/grant.js';
import { TokenEndpointService } from './token-endpoint.service.js';

@Controller('auth')
@ApiTags('oauth')
export class TokenController {
  constructor(private readonly tokens: TokenEndpointService) {}

  /** RFC 6749 §3.2 token endpoint; responses are never cached (§5.1). */
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['grant_type'],
      properties: {
        grant_type: { type: 'string', example: 'urn:ietf:params:oauth:grant-type:jwt-bearer' },
        assertion: { type: 'string', description: 'RFC 7523 JWT signed with a registered key of the client' },
        scope: { type: 'string', description: 'Space-separated, to ask for less' },
      },
    },
  })
  @ApiOkResponse({ description: '{access_token, expires_in, issued_token_type, token_type, scope}' })
  @ApiBadRequestResponse({ description: 'RFC 6749 §5.2 error: invalid_request, unsupported_grant_type, invalid_grant, invalid_scope' })
  token(@Headers('content-type') contentType: string | undefined, @Body() body: unknown): Promise<TokenResponse> {
    return this.tokens.exchange(contentType, body);
  }
}
