import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DirectoryModule } from '../directory/directory.module.js';
import { OAuthModule } from '../oauth/oauth.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { ProcessRecord } from './process-record.js';
import { ProcessesController } from './processes.controller.js';
import { ProcessesService } from './processes.service.js';

/** The tables this module owns. */
export const PROCESSES_TABLES = [ProcessRecord];

/** One-time process tokens (finAPI's Process Controller). */
@Module({
  imports: [DirectoryModule, TokensModule, OAuthModule, AuditModule],
  controllers: [ProcessesController],
  providers: [ProcessesService],
})
export class ProcessesModule {}
