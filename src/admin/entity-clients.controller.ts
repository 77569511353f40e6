import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { CurrentPrincipal } from '../tokens/access-token.guard.js';
import type { Principal } from '../tokens/principal.js';
import { AdminController } from './admin-controller.decorators.js';
import { PageQueryDto } from './admin.dto.js';
import { AddClientKeyDto, CreateEntityClientDto, UpdateEntityClientDto } from './entity-client.dto.js';
import { ClientAdminService } from './client-admin.service.js';
import { pageOf } from './pagination.js';

@AdminController('entity-clients', 'admin: entity clients')
export class EntityClientsController {
  constructor(private readonly clients: ClientAdminService) {}

  @Get()
  @ApiOkResponse({ description: 'A page of clients with their keys' })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto) {
    return pageOf(query, (page) => this.clients.list(principal, page, query.entity_id));
  }

  @Get(':clientId')
  @ApiOkResponse({ description: 'The client with its keys' })
  read(@CurrentPrincipal() principal: Principal, @Param('clientId') clientId: string) {
    return this.clients.read(principal, clientId);
  }

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ description: 'The client: client_id and its keys with their kids' })
  @ApiUnprocessableEntityResponse({ description: 'Invalid fields, an unacceptable key, or scopes beyond the caller\'s own' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateEntityClientDto) {
    return this.clients.create(principal, body);
  }

  @Patch(':clientId')
  @ApiOkResponse({ description: 'The client as changed; active false refuses its next login' })
  update(@CurrentPrincipal() principal: Principal, @Param('clientId') clientId: string, @Body() body: UpdateEntityClientDto) {
    return this.clients.update(principal, clientId, body);
  }

  @Post(':clientId/deactivate')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The client, now inactive' })
  deactivate(@CurrentPrincipal() principal: Principal, @Param('clientId') clientId: string) {
    return this.clients.deactivate(principal, clientId);
  }

  @Post(':clientId/revoke-tokens')
  @HttpCode(200)
  @ApiOkResponse({ description: '{client_id, revoked_before}: every token of the client issued until then is refused on every replica within a second' })
  revokeTokens(@CurrentPrincipal() principal: Principal, @Param('clientId') clientId: string) {
    return this.clients.revokeTokens(principal, clientId);
  }

  @Post(':clientId/keys')
  @HttpCode(201)
  @ApiCreatedResponse({ description: 'The key: kid (the JWK kid or its RFC 7638 thumbprint), kty' })
  @ApiConflictResponse({ description: 'The client has this key already, or holds 10 keys' })
  addKey(@CurrentPrincipal() principal: Principal, @Param('clientId') clientId: string, @Body() body: AddClientKeyDto) {
    return this.clients.addKey(principal, clientId, body);
  }

  @Delete(':clientId/keys/:kid')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed: assertions signed with it are refused from now on' })
  @ApiConflictResponse({ description: 'It is the last key' })
  async removeKey(@CurrentPrincipal() principal: Principal, @Param('clientId') clientId: string, @Param('kid') kid: string): Promise<void> {
    await this.clients.removeKey(principal, clientId, kid);
  }
}
