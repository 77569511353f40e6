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
        grant_type: { type: 'string', enum: ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'urn:ietf:params:oauth:grant-type:token-exchange'] },
        assertion: { type: 'string', description: 'jwt-bearer: RFC 7523 JWT signed with a registered key of the client' },
        scope: { type: 'string', description: 'Space-separated, to ask for less; token-exchange: exactly one assume:party:<party_id>, optionally with scopes to ask for less' },
        subject_token: { type: 'string', description: "token-exchange: the person's registrant token" },
        subject_token_type: { type: 'string', description: 'token-exchange: urn:ietf:params:oauth:token-type:access_token' },
        requested_token_type: { type: 'string', description: 'token-exchange, optional: urn:ietf:params:oauth:token-type:access_token (default) or urn:ietf:params:oauth:token-type:jwt' },
        audience: { type: 'string', description: 'token-exchange, optional: PUBLIC_URL only' },
        resource: { type: 'string', description: 'token-exchange, optional: PUBLIC_URL only' },
      },
    },
  })
  @ApiOkResponse({ description: '{access_token, expires_in, issued_token_type, token_type, scope}' })
  @ApiBadRequestResponse({ description: 'RFC 6749 §5.2 error: invalid_request, unsupported_grant_type, invalid_grant, invalid_scope; token-exchange also invalid_target (RFC 8693)' })
  token(@Headers('content-type') contentType: string | undefined, @Body() body: unknown): Promise<TokenResponse> {
    return this.tokens.exchange(contentType, body);
  }
}
