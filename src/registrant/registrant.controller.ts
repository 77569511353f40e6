import { ErrorFormat } from '../common/error-format.js';
import { Body, Controller, Headers, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse, ApiUnprocessableEntityResponse, getSchemaPath, ApiExtraModels } from '@nestjs/swagger';
import { EidLoginDto, PasswordLoginDto } from './registrant-login.dto.js';
import type { RegistrantLoginResponse } from '../contract/wire.js';
import { RegistrantLoginService } from './registrant-login.service.js';

@Controller('api/v1/registrant/auth')
@ErrorFormat('registrant')
@ApiTags('registrant')
@ApiExtraModels(PasswordLoginDto, EidLoginDto)
export class RegistrantController {
  constructor(private readonly logins: RegistrantLoginService) {}

  @Post('token')
  @HttpCode(201)
  @ApiBody({ schema: { oneOf: [{ $ref: getSchemaPath(PasswordLoginDto) }, { $ref: getSchemaPath(EidLoginDto) }] }, description: 'The eID form needs Authorization: Bearer <partner token covering use:registrant:eid>' })
  @ApiCreatedResponse({ description: '{access_token, expires_at, type: "Bearer"}' })
  @ApiUnauthorizedResponse({ description: '{"errors":[{"base":["Not authorized"]}]}' })
  @ApiUnprocessableEntityResponse({ description: 'A malformed body: {"errors":[{"<field>":["<message>"]}]}' })
  @ApiTooManyRequestsResponse({ description: 'Throttled; see Retry-After' })
  token(@Body() body: unknown, @Ip() clientAddress: string, @Headers('authorization') authorization: string | undefined): Promise<RegistrantLoginResponse> {
    return this.logins.login(body, clientAddress, authorization);
  }
}
