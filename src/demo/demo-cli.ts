import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { AppLogger, createRootLogger } from '../common/logging.js';
import { type AppConfig, loadConfig } from '../config/app-config.js';
import { readOrCreateSecretFile } from '../config/secret-file.js';
import { connectOrStartEmbedded } from '../database/embedded-postgres.js';
import { assertionScript, demoCommands } from './demo-commands.js';
import { DemoFiles } from './demo-files.js';
import { FILES, loadDemoWorld } from './demo-world.js';

/**
 * `npm run demo`: the seeds' world in the service's database (DATABASE_URL,
 * or the embedded Postgres of DATA_DIR: the running service's, or one
 * started for the duration), its key, secret and password under
 * DATA_DIR/demo, and on standard output the commands that log in with each
 * flow (standard output is a bash script; logs go to standard error).
 */
async function main(): Promise<void> {
  const loaded = loadConfig();
  const embedded = loaded.databaseUrl === undefined ? await connectOrStartEmbedded(loaded.dataDir, loaded.embeddedPostgresPort) : undefined;
  const config: AppConfig = {
    ...loaded,
    // The embedded default keeps its TOKEN_SECRET beside the database, as main.ts does: the secret's digest must be the service's.
    tokenSecret: loaded.tokenSecret ?? (await readOrCreateSecretFile(join(loaded.dataDir, 'token-secret'), 48)),
    logLevel: loaded.logLevel === 'debug' ? 'debug' : 'warn',
    logFile: loaded.logFile ?? '/dev/stderr',
    workers: 1,
  };
  // The service's modules without its HTTP server (so no first-start link either); its logs on standard error, Nest's own too.
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, config.databaseUrl ?? embedded!.url), { logger: new AppLogger(createRootLogger(config)), abortOnError: false });
  try {
    const files = await new DemoFiles(join(config.dataDir, 'demo')).open();
    const facts = await loadDemoWorld(app, config, files);
    await files.write(FILES.script, assertionScript(config.publicUrl, facts));
    console.error(facts.changed.length === 0 ? 'The demo world is in place already: nothing changed.' : `Made: ${facts.changed.join(', ')}.`);
    process.stdout.write(demoCommands(config.publicUrl, files.dir, facts));
  } finally {
    await app.close();
    await embedded?.stop();
  }
}

main().catch((error: Error) => {
  console.error(`npm run demo failed: ${error.message}`);
  process.exit(1);
});
