import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module.js';
import { RegistrantModule } from '../registrant/registrant.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AdminPolicy } from './admin-policy.js';
import { AuditEventsController } from './audit-events.controller.js';
import { AuditModule } from '../audit/audit.module.js';
import { ClientAdminService } from './client-admin.service.js';
import { ClientSecretsController } from './client-secrets.controller.js';
import { ClientSecretsService } from './client-secrets.service.js';
import { CredentialsAdminService } from './credentials-admin.service.js';
import { DirectoryAdminService } from './directory-admin.service.js';
import { EntitiesController } from './entities.controller.js';
import { EntityClientsController } from './entity-clients.controller.js';
import { OperatorBootstrap } from './operator-bootstrap.service.js';
import { PartiesController } from './parties.controller.js';
import { PartyMembershipsController } from './party-memberships.controller.js';

/** The admin API: its policy, its services, the audit trail, and the operator bootstrap. */
@Module({
  imports: [DirectoryModule, TokensModule, RegistrantModule, AuditModule],
  controllers: [EntitiesController, PartiesController, PartyMembershipsController, EntityClientsController, ClientSecretsController, AuditEventsController],
  providers: [AdminPolicy, DirectoryAdminService, ClientAdminService, ClientSecretsService, CredentialsAdminService, OperatorBootstrap],
})
export class AdminModule {}
