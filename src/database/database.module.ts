import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createDataSource } from './data-source.js';
import { DedicatedPools } from './dedicated-pools.js';
import type { DataSourceOptions } from './data-source.js';
import { migrateDatabase } from './migrate.js';
import { NotificationHub } from './notification-hub.js';

/**
 * The TypeORM connection (pending migrations are applied before anything
 * else starts) and the process's one notification hub, on the same database.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DataSourceOptions & { readonly tables: readonly Function[] }): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        { provide: NotificationHub, useFactory: () => new NotificationHub(options.url) },
        { provide: DedicatedPools, useFactory: () => new DedicatedPools(options.url) },
      ],
      exports: [NotificationHub, DedicatedPools],
      imports: [
        TypeOrmModule.forRootAsync({
          // A database that is still starting gets ~10 s; then start-up fails and the process exits 1.
          useFactory: () => ({ type: 'postgres', entities: [...options.tables], retryAttempts: 5, retryDelay: 2000, verboseRetryLog: false }),
          dataSourceFactory: async () => {
            const dataSource = await createDataSource(options).initialize();
            await migrateDatabase(dataSource);
            return dataSource;
          },
        }),
      ],
    };
  }
}
