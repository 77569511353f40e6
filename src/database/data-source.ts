import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';

export interface DataSourceOptions {
  readonly url: string;
  readonly poolSize: number;
  /** The mapped tables (record classes) that repositories are asked for: each feature module lists its own. Migrations need none. */
  readonly tables?: readonly Function[];
}

/** Migrations are listed explicitly (no globs) so the same list works compiled and under Jest. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: [...(options.tables ?? [])],
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // TypeORM's logger prints failed queries with their parameters; errors are handled and logged by us.
    logging: false,
    // Bounded waits, so that an unreachable database fails a request within 2 s (503) instead of hanging it.
    extra: {
      max: options.poolSize,
      connectionTimeoutMillis: 1500,
      query_timeout: 1800,
      keepAlive: true,
      application_name: 'token-issuer',
    },
  });
}
