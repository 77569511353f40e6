import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AuthorizationPurge } from './authorization-purge.service.js';
import { AuthorizationRequests } from './authorization-requests.service.js';
import { Consents } from './consents.service.js';
import { Grants } from './grants.service.js';
import { LoginSessions } from './login-sessions.service.js';
import { AuthorizationCodeRecord } from './records/authorization-code-record.js';
import { AuthorizationRequestRecord } from './records/authorization-request-record.js';
import { ConsentRecord } from './records/consent-record.js';
import { GrantRecord } from './records/grant-record.js';
import { LoginSessionRecord } from './records/login-session-record.js';
import { RefreshTokenRecord } from './records/refresh-token-record.js';
import { RefreshRotation } from './refresh-rotation.service.js';

/** The tables this module owns. */
export const AUTHORIZATION_TABLES = [LoginSessionRecord, AuthorizationRequestRecord, GrantRecord, AuthorizationCodeRecord, RefreshTokenRecord, ConsentRecord];

/** The authorization-code flow's state: requests, login sessions, consents, grants with their codes and refresh tokens. */
@Module({
  imports: [DirectoryModule, TokensModule],
  providers: [AuthorizationRequests, LoginSessions, Consents, Grants, RefreshRotation, AuthorizationPurge],
  exports: [AuthorizationRequests, LoginSessions, Consents, Grants, RefreshRotation],
})
export class AuthorizationModule {}
