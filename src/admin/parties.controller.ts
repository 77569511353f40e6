import { Body, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse } from '@nestjs/swagger';
import { CurrentPrincipal } from '../tokens/access-token.guard.js';
import type { Principal } from '../tokens/principal.js';
import { AdminController } from './admin-controller.decorators.js';
import { CreatePartyDto, PageQueryDto, UpdatePartyDto } from './admin.dto.js';
import { DirectoryAdminService } from './directory-admin.service.js';
import { pageOf } from './pagination.js';

@AdminController('parties', 'admin: parties')
export class PartiesController {
  constructor(private readonly admin: DirectoryAdminService) {}

  @Get()
  @ApiOkResponse({ description: 'A page of parties' })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto) {
    return pageOf(query, (page) => this.admin.listParties(principal, page, query.entity_id));
  }

  @Get(':id')
  @ApiOkResponse({ description: 'The party' })
  read(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.admin.readParty(principal, id);
  }

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ description: 'The party, with its id, role and status' })
  @ApiConflictResponse({ description: 'Same business id and type' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreatePartyDto) {
    return this.admin.createParty(principal, body);
  }

  @Patch(':id')
  @ApiOkResponse({ description: 'The party as changed' })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: UpdatePartyDto) {
    return this.admin.updateParty(principal, id, body);
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The party, now inactive: no one can act for it' })
  deactivate(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.admin.updateParty(principal, id, { status: 'inactive' });
  }
}
