import { Module } from '@nestjs/common';
import { PasswordHasher } from '../crypto/password-hasher.js';
import { DirectoryModule } from '../directory/directory.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { LoginThrottle } from './login-throttle.service.js';
import { RegistrantCredentials } from './registrant-credentials.service.js';
import { RegistrantLoginService } from './registrant-login.service.js';
import { RegistrantController } from './registrant.controller.js';

/** Registrant login (password, eID) and the credentials it checks. */
@Module({
  imports: [DirectoryModule, TokensModule],
  controllers: [RegistrantController],
  providers: [{ provide: PasswordHasher, useValue: new PasswordHasher() }, RegistrantCredentials, LoginThrottle, RegistrantLoginService],
  exports: [RegistrantCredentials],
})
export class RegistrantModule {}
