import { Body, Controller, Header, Headers, HttpCode, Ip, Post } from '@nestjs/common';
import { ErrorFormat } from '../common/error-format.js';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ClientCertificate, type PresentedCertificate } from '../tokens/sender-constraint/presented-certificate.js';
import { RevocationService } from './revocation.service.js';

@Controller('auth')
@ErrorFormat('oauth')
@ApiTags('oauth')
export class RevocationController {
  constructor(private readonly revocation: RevocationService) {}

  @Post('revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' }, token_type_hint: { type: 'string' } } } })
  @ApiOkResponse({ description: 'Revoked (or was not a valid token): every replica refuses it within a second' })
  async revoke(
    @Headers('content-type') contentType: string | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Ip() address: string,
    @Body() body: unknown,
    @ClientCertificate() certificate: PresentedCertificate | undefined,
  ): Promise<void> {
    await this.revocation.revoke({ contentType, body, authorization, address, certificate });
  }
}
