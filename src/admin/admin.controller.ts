import { Body, Controller, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { AccessTokenGuard, CurrentPrincipal, RequireScope } from '../tokens/access-token.guard.js';
import type { Principal } from '../tokens/access-token.js';
import { CreateEntityClientDto, CreateEntityDto, CreatePartyDto, CreatePartyMembershipDto, SetCredentialsDto } from './admin.dto.js';
import { AdminService } from './admin.service.js';

@Controller('admin')
@UseGuards(AccessTokenGuard)
@RequireScope('manage:auth')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Post('entities')
  @HttpCode(201)
  createEntity(@CurrentPrincipal() principal: Principal, @Body() body: CreateEntityDto) {
    return this.admin.createEntity(principal, body);
  }

  @Post('parties')
  @HttpCode(201)
  createParty(@CurrentPrincipal() principal: Principal, @Body() body: CreatePartyDto) {
    return this.admin.createParty(principal, body);
  }

  @Post('party-memberships')
  @HttpCode(201)
  createMembership(@CurrentPrincipal() principal: Principal, @Body() body: CreatePartyMembershipDto) {
    return this.admin.createMembership(principal, body);
  }

  @Post('entity-clients')
  @HttpCode(201)
  createClient(@CurrentPrincipal() principal: Principal, @Body() body: CreateEntityClientDto) {
    return this.admin.createClient(principal, body);
  }

  @Put('entities/:id/credentials')
  @HttpCode(204)
  async setCredentials(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: SetCredentialsDto): Promise<void> {
    await this.admin.setCredentials(principal, id, body);
  }
}
