import { join } from 'node:path';
import { loadConfig } from '../config/app-config.js';
import { readOrCreateSecretFile } from '../config/secret-file.js';
import { SigningKeySealer } from '../crypto/signing-key-sealer.js';
import { createDataSource } from '../database/data-source.js';
import { connectOrStartEmbedded } from '../database/embedded-postgres.js';
import { migrateDatabase } from '../database/migrate.js';
import { SigningKeyRecord } from './signing-key-record.js';
import { loadSigningKeys, rotateSigningKeys, RotationError } from './signing-key-rotation.js';

const USAGE = 'usage: npm run keys -- list | rotate';

/** `npm run keys -- list|rotate`: the database-kept signing keys (see README, "Signing-key rotation"). */
async function main(command: string | undefined): Promise<void> {
  if (command !== 'list' && command !== 'rotate') throw new RotationError(USAGE);
  const config = loadConfig();
  if (config.signingKeys !== undefined) throw new RotationError('SIGNING_KEYS is set: those keys are rotated by changing SIGNING_KEYS, not here');
  const embedded = config.databaseUrl === undefined ? await connectOrStartEmbedded(config.dataDir, config.embeddedPostgresPort) : undefined;
  // The keys are sealed with the service's TOKEN_SECRET. loadConfig requires it with DATABASE_URL;
  // the embedded default keeps it beside the database, as main.ts does.
  const tokenSecret = config.tokenSecret ?? (await readOrCreateSecretFile(join(config.dataDir, 'token-secret'), 48));
  const sealer = new SigningKeySealer(tokenSecret, config.tokenSecretsPrevious);
  const dataSource = await createDataSource({ url: config.databaseUrl ?? embedded!.url, poolSize: 2, tables: [SigningKeyRecord] }).initialize();
  try {
    await migrateDatabase(dataSource);
    if (command === 'rotate') console.log(JSON.stringify(await rotateSigningKeys(dataSource, sealer, { accessTokenTtlSeconds: config.accessTokenTtlSeconds })));
    for (const key of await loadSigningKeys(dataSource, sealer, config.accessTokenTtlSeconds)) {
      console.log(`${key.kid}  ${key.state.padEnd(7)}  created ${key.createdAt.toISOString()}${key.retiredAt ? `  retired ${key.retiredAt.toISOString()}` : ''}`);
    }
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main(process.argv[2]).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
