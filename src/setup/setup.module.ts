import { AuthorizationModule } from '../authorization/authorization.module.js';
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { SecretDigest } from '../crypto/secret-digest.js';
import { DirectoryModule } from '../directory/directory.module.js';
import { RegistrantModule } from '../registrant/registrant.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { FirstOperatorLink } from './first-operator-link.service.js';
import { OperatorSetupController } from './operator-setup.controller.js';
import { OperatorSetupService } from './operator-setup.service.js';
import { OperatorSetupLinkRecord } from './setup-link-record.js';
import { SetupLinks } from './setup-links.js';

/** The tables this module owns. */
export const SETUP_TABLES = [OperatorSetupLinkRecord];

/** The first operator: the link a start prints, and the setup page's API (`npm run operator` makes links too). */
@Module({
  imports: [DirectoryModule, TokensModule, RegistrantModule, AuditModule, AuthorizationModule],
  controllers: [OperatorSetupController],
  providers: [{ provide: SetupLinks, useFactory: (digest: SecretDigest) => new SetupLinks(digest), inject: [SecretDigest] }, FirstOperatorLink, OperatorSetupService],
})
export class SetupModule {}
