import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { CurrentPrincipal } from '../tokens/access-token.guard.js';
import type { Principal } from '../tokens/principal.js';
import { AdminController } from './admin-controller.decorators.js';
import { CreatePartyMembershipDto, MembershipPageQueryDto, UpdatePartyMembershipDto } from './admin.dto.js';
import { DirectoryAdminService } from './directory-admin.service.js';
import { pageOf } from './pagination.js';

@AdminController('party-memberships', 'admin: party memberships')
export class PartyMembershipsController {
  constructor(private readonly admin: DirectoryAdminService) {}

  @Get()
  @ApiOkResponse({ description: 'A page of memberships' })
  list(@CurrentPrincipal() principal: Principal, @Query() query: MembershipPageQueryDto) {
    return pageOf(query, (page) => this.admin.listMemberships(principal, page, query.entity_id, query.party_id));
  }

  @Get(':id')
  @ApiOkResponse({ description: 'The membership' })
  read(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.admin.readMembership(principal, id);
  }

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ description: 'The membership' })
  @ApiConflictResponse({ description: 'The entity is a member already' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreatePartyMembershipDto) {
    return this.admin.createMembership(principal, body);
  }

  @Patch(':id')
  @ApiOkResponse({ description: 'The membership with its new scopes' })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: UpdatePartyMembershipDto) {
    return this.admin.updateMembership(principal, id, body);
  }

  /** A membership has no state worth keeping: ending it deletes it (the audit trail keeps what it was). */
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Ended' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.admin.deleteMembership(principal, id);
  }
}
