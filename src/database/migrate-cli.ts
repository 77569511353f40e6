import { loadConfig } from '../config/app-config.js';
import { createDataSource } from './data-source.js';
import { connectOrStartEmbedded } from './embedded-postgres.js';
import { migrateDatabase } from './migrate.js';

/** `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded Postgres. */
async function main(): Promise<void> {
  const config = loadConfig();
  const embedded = config.databaseUrl === undefined ? await connectOrStartEmbedded(config.dataDir, config.embeddedPostgresPort) : undefined;
  const dataSource = await createDataSource({ url: config.databaseUrl ?? embedded!.url, poolSize: 2 }).initialize();
  try {
    const applied = await migrateDatabase(dataSource);
    console.log(applied.length === 0 ? 'The database is up to date.' : `Applied: ${applied.join(', ')}`);
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
