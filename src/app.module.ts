import { DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdminModule } from './admin/admin.module.js';
import { loggingModule } from './common/logging.js';
import { ProtocolExceptionFilter } from './common/protocol-exception.filter.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DataModule } from './data/data.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { LoginModule } from './login/login.module.js';
import { OAuthModule } from './oauth/oauth.module.js';
import { ProcessesModule } from './processes/processes.module.js';
import { RegistrantModule } from './registrant/registrant.module.js';
import { SetupModule } from './setup/setup.module.js';
import { ALL_TABLES } from './tables.js';

@Module({})
export class AppModule {
  /** `databaseUrl` is DATABASE_URL, or the embedded server's when that is unset. */
  static forRoot(config: AppConfig, databaseUrl: string, extraModules: Type[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        loggingModule(config),
        DatabaseModule.forRoot({ url: databaseUrl, poolSize: config.databasePoolSize, tables: ALL_TABLES }),
        OAuthModule,
        LoginModule,
        RegistrantModule,
        DataModule,
        AdminModule,
        ProcessesModule,
        HealthModule,
        SetupModule,
        ...extraModules,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProtocolExceptionFilter }],
    };
  }
}
