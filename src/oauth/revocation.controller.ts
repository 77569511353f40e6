import { Body, Controller, Header, Headers, HttpCode, Injectable, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { OAuthError } from '../common/protocol-errors.js';
import { AccessTokenVerifier } from '../tokens/access-token.js';
import { RegistrantTokens } from '../tokens/registrant-tokens.service.js';
import { RevocationList } from '../tokens/revocation-list.service.js';

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * RFC 7009 revocation. Holding a token is the authority to revoke it (as a
 * logout is): its holder could use it anyway, and no one else has it. Invalid
 * and unknown tokens are answered like valid ones (§2.2), so the endpoint
 * reveals nothing.
 */
@Injectable()
export class RevocationService {
  constructor(
    private readonly accessTokens: AccessTokenVerifier,
    private readonly registrantTokens: RegistrantTokens,
    private readonly revocations: RevocationList,
  ) {}

  async revoke(contentType: string | undefined, body: unknown): Promise<void> {
    if (contentType === undefined || !FORM_CONTENT_TYPE.test(contentType)) {
      throw new OAuthError('invalid_request', 'The request body must be application/x-www-form-urlencoded');
    }
    const token = (body as Record<string, unknown> | null)?.token;
    if (typeof token !== 'string' || token === '') throw new OAuthError('invalid_request', 'The token parameter is required, once');
    if (token.includes('.')) {
      const claims = (await this.accessTokens.verify(token))?.claims;
      if (claims !== undefined) await this.revocations.revoke(claims.jti, new Date(claims.exp * 1000));
      return;
    }
    const payload = this.registrantTokens.verify(token);
    if (payload !== null) await this.revocations.revoke(payload.jti, new Date(payload.exp * 1000));
  }
}

@Controller('auth')
@ApiTags('oauth')
export class RevocationController {
  constructor(private readonly revocation: RevocationService) {}

  @Post('revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' }, token_type_hint: { type: 'string' } } } })
  @ApiOkResponse({ description: 'Revoked (or was not a valid token): every replica refuses it within a second' })
  async revoke(@Headers('content-type') contentType: string | undefined, @Body() body: unknown): Promise<void> {
    await this.revocation.revoke(contentType, body);
  }
}
