import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AccessTokenGuard } from './access-token.guard.js';
import { AccessTokenIssuer, AccessTokenVerifier } from './access-token.js';
import { BearerTokenStrategy } from './bearer-token.strategy.js';
import { SigningKeys } from './signing-keys.service.js';

/** Signing keys, issuing and verifying access tokens, and the bearer guard every resource uses. */
@Module({
  imports: [PassportModule],
  providers: [SigningKeys, AccessTokenIssuer, AccessTokenVerifier, BearerTokenStrategy, AccessTokenGuard],
  exports: [SigningKeys, AccessTokenIssuer, AccessTokenVerifier, AccessTokenGuard],
})
export class TokensModule {}
