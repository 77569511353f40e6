import { Module } from '@nestjs/common';
import { AuthorizationModule } from '../authorization/authorization.module.js';
import { DirectoryModule } from '../directory/directory.module.js';
import { RegistrantModule } from '../registrant/registrant.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { ClientAuthThrottle } from './client-authentication/client-auth-throttle.js';
import { ClientAuthenticator } from './client-authentication/client-authenticator.service.js';
import { ClientTokens } from './client-tokens.service.js';
import { ConsentsController } from './consents.controller.js';
import { ActingPartiesController } from './acting-parties.controller.js';
import { ActingPartiesService } from './acting-parties.service.js';
import { DiscoveryController } from './discovery.controller.js';
import { GrantTokens } from './grant-tokens.service.js';
import { GRANT_PROVIDERS, GrantRegistry } from './grants/grant-registry.js';
import { IntrospectionCallerGuard } from './introspection-caller.guard.js';
import { IntrospectionController } from './introspection.controller.js';
import { IntrospectionService } from './introspection.service.js';
import { RevocationController } from './revocation.controller.js';
import { RevocationService } from './revocation.service.js';
import { PartyResolver } from './party-resolver.js';
import { PushedAuthorizationController } from './pushed-authorization.controller.js';
import { PushedAuthorizationService } from './pushed-authorization.service.js';
import { ReplayModule } from './sender-constraint/replay.module.js';
import { SenderConfirmations } from './sender-constraint/sender-confirmation.js';
import { TokenEndpointService } from './token-endpoint.service.js';
import { TokenController } from './token.controller.js';
import { UsedAssertionRecord } from './used-assertion-record.js';
import { UserinfoController } from './userinfo.controller.js';
import { UserinfoService } from './userinfo.service.js';

/** The tables this module owns. */
export const OAUTH_TABLES = [UsedAssertionRecord];

/** The token endpoint and its grants, userinfo, the parties a bearer may act for, introspection, revocation and discovery. */
@Module({
  imports: [DirectoryModule, TokensModule, RegistrantModule, ReplayModule, AuthorizationModule],
  controllers: [TokenController, PushedAuthorizationController, ConsentsController, UserinfoController, ActingPartiesController, DiscoveryController, IntrospectionController, RevocationController],
  exports: [ClientAuthenticator, ClientTokens],
  providers: [...GRANT_PROVIDERS, GrantRegistry, GrantTokens, PushedAuthorizationService, TokenEndpointService, IntrospectionCallerGuard, ClientAuthenticator, ClientAuthThrottle, ClientTokens, PartyResolver, UserinfoService, ActingPartiesService, IntrospectionService, RevocationService, SenderConfirmations],
})
export class OAuthModule {}
