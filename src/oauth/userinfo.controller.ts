import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import type { UserinfoResponse } from '../contract/wire.js';
import { AccessTokenGuard, CurrentPrincipal, TokenClaimsSuffice } from '../tokens/access-token.guard.js';
import type { Principal } from '../tokens/principal.js';
import { UserinfoService } from './userinfo.service.js';

@Controller('auth')
export class UserinfoController {
  constructor(private readonly userinfo: UserinfoService) {}

  @Get('userinfo')
  @UseGuards(AccessTokenGuard)
  @TokenClaimsSuffice()
  @Header('Cache-Control', 'no-store')
  describe(@CurrentPrincipal() principal: Principal): Promise<UserinfoResponse> {
    return this.userinfo.describe(principal);
  }
}
