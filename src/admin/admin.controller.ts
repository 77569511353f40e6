import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AccessTokenGuard, CurrentPrincipal, RequireScope } from '../tokens/access-token.guard.js';
import type { AccessTokenPrincipal } from '../tokens/access-token.js';
import { CreateEntityClientDto, CreateEntityDto, CreatePartyDto, CreatePartyMembershipDto } from './admin.dto.js';
import { AdminService } from './admin.service.js';

@Controller('admin')
@UseGuards(AccessTokenGuard)
@RequireScope('manage:auth')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Post('entities')
  @HttpCode(201)
  createEntity(@CurrentPrincipal() principal: AccessTokenPrincipal, @Body() body: CreateEntityDto) {
    return this.admin.createEntity(principal, body);
  }

  @Post('parties')
  @HttpCode(201)
  createParty(@CurrentPrincipal() principal: AccessTokenPrincipal, @Body() body: CreatePartyDto) {
    return this.admin.createParty(principal, body);
  }

  @Post('party-memberships')
  @HttpCode(201)
  createMembership(@CurrentPrincipal() principal: AccessTokenPrincipal, @Body() body: CreatePartyMembershipDto) {
    return this.admin.createMembership(principal, body);
  }

  @Post('entity-clients')
  @HttpCode(201)
  createClient(@CurrentPrincipal() principal: AccessTokenPrincipal, @Body() body: CreateEntityClientDto) {
    return this.admin.createClient(principal, body);
  }
}
