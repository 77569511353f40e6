import { availableParallelism } from 'node:os';
import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { PasswordHasher } from '../crypto/password-hasher.js';
import { AuditModule } from '../audit/audit.module.js';
import { DirectoryModule } from '../directory/directory.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { EidLoginService } from './eid-login.service.js';
import { LoginThrottle } from './login-throttle.service.js';
import { PasswordCheck } from './password-check.service.js';
import { RegistrantCredentials } from './registrant-credentials.service.js';
import { RegistrantLoginService } from './registrant-login.service.js';
import { LoginKnownAddressRecord } from './login-known-address-record.js';
import { LoginThrottleRecord } from './login-throttle-record.js';
import { RegistrantCredentialRecord } from './registrant-credential-record.js';
import { RegistrantController } from './registrant.controller.js';

/** The tables this module owns. */
export const REGISTRANT_TABLES = [RegistrantCredentialRecord, LoginThrottleRecord, LoginKnownAddressRecord];

/** Registrant login (password, eID) and the credentials it checks. */
@Module({
  imports: [DirectoryModule, TokensModule, AuditModule],
  controllers: [RegistrantController],
  providers: [
    // This process's share of the cores: the workers together hash on every core, and no more at once.
    { provide: PasswordHasher, useFactory: (config: AppConfig) => new PasswordHasher(Math.max(1, Math.round(availableParallelism() / config.workers))), inject: [APP_CONFIG] },
    RegistrantCredentials, LoginThrottle, PasswordCheck, RegistrantLoginService, EidLoginService],
  exports: [RegistrantCredentials, LoginThrottle, PasswordCheck],
})
export class RegistrantModule {}
