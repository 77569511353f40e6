import { Body, Controller, Headers, HttpCode, Ip, Post } from '@nestjs/common';
import { RegistrantLoginService, type RegistrantLoginResponse } from './registrant-login.service.js';

@Controller('api/v1/registrant/auth')
export class RegistrantController {
  constructor(private readonly logins: RegistrantLoginService) {}

  @Post('token')
  @HttpCode(201)
  token(@Body() body: unknown, @Ip() clientAddress: string, @Headers('authorization') authorization: string | undefined): Promise<RegistrantLoginResponse> {
    return this.logins.login(body, clientAddress, authorization);
  }
}
