import { join } from 'node:path';
import { lockOperatorBootstrap } from '../admin/operator-bootstrap.service.js';
import { loadConfig } from '../config/app-config.js';
import { readOrCreateSecretFile } from '../config/secret-file.js';
import { SecretDigest } from '../crypto/secret-digest.js';
import { createDataSource } from '../database/data-source.js';
import { connectOrStartEmbedded } from '../database/embedded-postgres.js';
import { migrateDatabase } from '../database/migrate.js';
import { isValidEmailId } from '../model/business-id.js';
import { normalizeUsername } from '../registrant/username.js';
import { hasOperatorPerson } from './operator-person.js';
import { SETUP_LINK_TTL_SECONDS, SetupLinks, setupUrl } from './setup-links.js';

const USAGE = 'usage: npm run operator -- create <e-mail>';

class CliError extends Error {}

/**
 * `npm run operator -- create <e-mail>`: prints a one-time setup link with
 * which that e-mail becomes an operator person (she sets her name and
 * password on the portal's setup page; no password ever passes a command
 * line). Allowed when operators exist, as Keycloak's `kc.sh bootstrap-admin`
 * is: whoever can run this holds the database and TOKEN_SECRET already, and
 * it is the way back in when the last operator's password is lost. Works
 * against DATABASE_URL, or the embedded Postgres of DATA_DIR: the running
 * service's, or one started for the duration.
 */
async function main(args: string[]): Promise<void> {
  const [command, address, ...rest] = args;
  if (command !== 'create' || address === undefined || rest.length > 0) throw new CliError(USAGE);
  const email = normalizeUsername(address);
  if (!isValidEmailId(email)) throw new CliError(`"${address.slice(0, 254)}" is not an e-mail address\n${USAGE}`);
  const config = loadConfig();
  const embedded = config.databaseUrl === undefined ? await connectOrStartEmbedded(config.dataDir, config.embeddedPostgresPort) : undefined;
  // The codes are digested under the service's TOKEN_SECRET; the embedded default keeps it beside the database, as main.ts does.
  const tokenSecret = config.tokenSecret ?? (await readOrCreateSecretFile(join(config.dataDir, 'token-secret'), 48));
  const links = new SetupLinks(new SecretDigest(tokenSecret, config.tokenSecretsPrevious));
  const dataSource = await createDataSource({ url: config.databaseUrl ?? embedded!.url, poolSize: 2 }).initialize();
  try {
    await migrateDatabase(dataSource);
    const { code, others } = await dataSource.transaction(async (tx) => {
      await lockOperatorBootstrap(tx);
      const [taken]: { entity_id: number | null; login: boolean }[] = await tx.query(
        `SELECT (SELECT id FROM entities WHERE business_id = $1 AND business_id_type = 'email') AS entity_id,
                EXISTS (SELECT 1 FROM registrant_credentials WHERE username = $1) AS login`,
        [email],
      );
      if (taken.entity_id !== null || taken.login) {
        throw new CliError(`${email} belongs to an existing account${taken.entity_id === null ? '' : ` (entity ${taken.entity_id})`}: an operator gives it a membership of the operator party instead`);
      }
      return { code: (await links.issue(tx, email)).code, others: await hasOperatorPerson(tx) };
    });
    if (others) console.log('There is an operator already; this link makes another.');
    console.log(`Open ${setupUrl(config.publicUrl, code)} within ${SETUP_LINK_TTL_SECONDS / 60} minutes to make ${email} an operator (a one-time link; a new one for this e-mail ends it).`);
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exit(error instanceof CliError ? 2 : 1);
});
