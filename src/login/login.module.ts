import { Module } from '@nestjs/common';
import { AuthorizationModule } from '../authorization/authorization.module.js';
import { DirectoryModule } from '../directory/directory.module.js';
import { RegistrantModule } from '../registrant/registrant.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AuthorizationFlow } from './authorization-flow.service.js';
import { EndSession } from './end-session.service.js';
import { IdCardLogin } from './id-card-login.service.js';
import { LoginController } from './login.controller.js';
import { LoginSteps } from './login-steps.service.js';
import { PortalClient } from './portal-client.service.js';

/** The issuer's front channel: /auth/authorize, its login and consent pages, logout, and the portal's registration as a client. */
@Module({
  imports: [DirectoryModule, TokensModule, RegistrantModule, AuthorizationModule],
  controllers: [LoginController],
  providers: [AuthorizationFlow, LoginSteps, EndSession, PortalClient, IdCardLogin],
})
export class LoginModule {}
