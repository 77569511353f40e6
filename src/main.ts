import { join } from 'node:path';
import { readOrCreateSecretFile } from './config/secret-file.js';
import { loadConfig, ConfigError, type AppConfig } from './config/app-config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres.js';
import { createApp } from './app.js';

/** Start-up: configuration, database (embedded unless DATABASE_URL), then the HTTP service. */
async function main(): Promise<void> {
  let config = readConfig();
  let embedded: EmbeddedDatabase | undefined;
  if (config.databaseUrl === undefined) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort);
    console.log(`Embedded Postgres is running on 127.0.0.1:${config.embeddedPostgresPort} with its data in ${config.dataDir}`);
    // The embedded default keeps its own TOKEN_SECRET beside the database.
    if (config.tokenSecret === undefined) config = { ...config, tokenSecret: await readOrCreateSecretFile(join(config.dataDir, 'token-secret'), 48) };
  }
  try {
    const app = await createApp(config, config.databaseUrl ?? embedded!.url);
    // In order: stop accepting and finish in-flight requests, close the pool, then stop the embedded server.
    const shutdown = async () => {
      await app.close().catch((error: Error) => console.error(`shutdown: ${error.message}`));
      await embedded?.stop().catch(() => {});
      process.exit(0);
    };
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown());
    await app.listen(config.port, config.host);
    console.log(`token-issuer listening on ${config.host}:${config.port}, issuer ${config.publicUrl}`);
  } catch (error) {
    await embedded?.stop().catch(() => {});
    throw error;
  }
}

function readConfig(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

main().catch((error: Error) => {
  console.error(`token-issuer failed to start: ${error.message}`);
  process.exit(1);
});
