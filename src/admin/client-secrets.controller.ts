import { Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import type { ClientSecretsView, CreatedClientSecretView } from '../contract/wire.js';
import { CurrentPrincipal } from '../tokens/access-token.guard.js';
import type { Principal } from '../tokens/principal.js';
import { AdminController } from './admin-controller.decorators.js';
import { ClientSecretsService } from './client-secrets.service.js';

@AdminController('entity-clients/:clientId/secrets', 'admin: entity clients')
export class ClientSecretsController {
  constructor(private readonly secrets: ClientSecretsService) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ description: '{secret_id, client_secret, created_at}: the secret is shown this once, and stored only as a digest' })
  @ApiConflictResponse({ description: 'The client holds two secrets already' })
  create(@CurrentPrincipal() principal: Principal, @Param('clientId') clientId: string): Promise<CreatedClientSecretView> {
    return this.secrets.create(principal, clientId);
  }

  @Get()
  @ApiOkResponse({ description: '{secrets: [{secret_id, created_at, last_used_at}]}, never the secrets' })
  list(@CurrentPrincipal() principal: Principal, @Param('clientId') clientId: string): Promise<ClientSecretsView> {
    return this.secrets.list(principal, clientId);
  }

  @Delete(':secretId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted: authentications with it fail on every replica within a second' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('clientId') clientId: string, @Param('secretId') secretId: string): Promise<void> {
    await this.secrets.remove(principal, clientId, secretId);
  }
}
