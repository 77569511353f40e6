import { Body, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { CurrentPrincipal } from '../tokens/access-token.guard.js';
import type { Principal } from '../tokens/principal.js';
import { AdminController } from './admin-controller.decorators.js';
import { CreateEntityDto, PageQueryDto, SetCredentialsDto, UpdateEntityDto } from './admin.dto.js';
import { CredentialsAdminService } from './credentials-admin.service.js';
import { DirectoryAdminService } from './directory-admin.service.js';
import { pageOf } from './pagination.js';

@AdminController('entities', 'admin: entities')
export class EntitiesController {
  constructor(
    private readonly admin: DirectoryAdminService,
    private readonly credentials: CredentialsAdminService,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'A page of entities' })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto) {
    return pageOf(query, (page) => this.admin.listEntities(principal, page, query.entity_id));
  }

  @Get(':id')
  @ApiOkResponse({ description: 'The entity' })
  read(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.admin.readEntity(principal, id);
  }

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ description: 'The entity, with its id and eid' })
  @ApiUnprocessableEntityResponse({ description: 'Invalid fields (problem details with errors)' })
  @ApiConflictResponse({ description: 'Same business id and type' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateEntityDto) {
    return this.admin.createEntity(principal, body);
  }

  @Patch(':id')
  @ApiOkResponse({ description: 'The entity as changed' })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: UpdateEntityDto) {
    return this.admin.updateEntity(principal, id, body);
  }

  /** Deactivation is soft: the entity stays, for the audit trail and for its tokens' descriptions. */
  @Post(':id/deactivate')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The entity, now inactive' })
  deactivate(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.admin.updateEntity(principal, id, { status: 'inactive' });
  }

  @Post(':id/revoke-tokens')
  @HttpCode(200)
  @ApiOkResponse({ description: '{entity_id, revoked_before}: every token of the entity (its clients\' and its person\'s) issued until then is refused on every replica within a second' })
  revokeTokens(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.admin.revokeTokens(principal, id);
  }

  @Put(':id/credentials')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Set; the person can log in with them' })
  @ApiConflictResponse({ description: 'The username belongs to another person, or the person has credentials and replace was not true' })
  async setCredentials(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: SetCredentialsDto): Promise<void> {
    await this.credentials.setCredentials(principal, id, body);
  }
}
