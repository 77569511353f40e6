import { Body, Controller, Header, Headers, HttpCode, Post } from '@nestjs/common';
import type { TokenResponse } from './grants/grant.js';
import { TokenEndpointService } from './token-endpoint.service.js';

@Controller('auth')
export class TokenController {
  constructor(private readonly tokens: TokenEndpointService) {}

  /** RFC 6749 §3.2 token endpoint; responses are never cached (§5.1). */
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(@Headers('content-type') contentType: string | undefined, @Body() body: unknown): Promise<TokenResponse> {
    return this.tokens.exchange(contentType, body);
  }
}
