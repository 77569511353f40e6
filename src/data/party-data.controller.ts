import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import type { PartyView } from '../contract/wire.js';
import { AccessTokenGuard, CurrentPrincipal, RequireScope } from '../tokens/access-token.guard.js';
import type { Principal } from '../tokens/principal.js';
import { PartyDataService } from './party-data.service.js';

@Controller('data')
export class PartyDataController {
  constructor(private readonly parties: PartyDataService) {}

  @Get('party/:id')
  @UseGuards(AccessTokenGuard)
  @RequireScope('read:data:party')
  read(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<PartyView> {
    return this.parties.read(principal, id);
  }
}
