import { PORTAL_CLIENT_ID } from '../../src/contract/urns.js';
import { createDataSource } from '../../src/database/data-source.js';
import { ALL_TABLES } from '../../src/tables.js';
import { migrateDatabase } from '../../src/database/migrate.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { generateSigningJwk } from '../../src/crypto/signing-key-ring.js';
import { decodeJwtHeader, PUBLIC_URL, TestApp } from '../support/test-app.js';

const ALL_MIGRATIONS = MIGRATIONS.map((migration) => migration.name);

describe('start-up: migrations, bootstrap and signing keys', () => {
  it('leaves no difference between the migrations and the mapped entities', async () => {
    const url = await TestApp.freshDatabase(process.env.TEST_ADMIN_DATABASE_URL!);
    const dataSource = await createDataSource({ url, poolSize: 2, tables: ALL_TABLES }).initialize();
    try {
      expect(await migrateDatabase(dataSource)).toEqual(ALL_MIGRATIONS);
      expect(await migrateDatabase(dataSource)).toEqual([]);
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('applies migrations once when several instances start on one database at the same time', async () => {
    const url = await TestApp.freshDatabase(process.env.TEST_ADMIN_DATABASE_URL!);
    const sources = await Promise.all([1, 2, 3].map(() => createDataSource({ url, poolSize: 2 }).initialize()));
    try {
      const applied = await Promise.all(sources.map((source) => migrateDatabase(source)));
      expect(applied.flat().sort()).toEqual([...ALL_MIGRATIONS].sort());
    } finally {
      await Promise.all(sources.map((source) => source.destroy()));
    }
  });

  it('bootstraps the operator idempotently and keeps the generated signing key across a restart', async () => {
    const first = await TestApp.start();
    const firstToken = await first.accessToken(first.operator);
    const kid = decodeJwtHeader(firstToken).kid;
    await first.close();

    const second = await TestApp.start({ restartOf: first });
    try {
      const counts = await second.query<{ entities: number; parties: number; clients: number; keys: number; signing: number }>(
        `SELECT (SELECT count(*)::int FROM entities) AS entities, (SELECT count(*)::int FROM parties) AS parties,
                (SELECT count(*)::int FROM entity_clients) AS clients, (SELECT count(*)::int FROM entity_client_keys) AS keys,
                (SELECT count(*)::int FROM signing_keys) AS signing`,
      );
      // The operator's client (with its key) and the portal's (a public client, no key).
      expect(counts).toEqual([{ entities: 1, parties: 1, clients: 2, keys: 1, signing: 1 }]);
      expect(await second.query(`SELECT token_endpoint_auth_method AS method, redirect_uris AS uris FROM entity_clients WHERE client_id = '${PORTAL_CLIENT_ID}'`))
        .toEqual([{ method: 'none', uris: [`${PUBLIC_URL}/portal/`] }]);
      const operatorParty = await second.query('SELECT type, business_id_type FROM parties');
      expect(operatorParty).toEqual([{ type: 'flexibility_information_system_operator', business_id_type: 'uuid' }]);
      // A token from before the restart still verifies; new ones carry the same kid.
      expect((await second.api('GET', '/auth/userinfo', firstToken)).status).toBe(200);
      expect(decodeJwtHeader(await second.accessToken(second.operator)).kid).toBe(kid);
    } finally {
      await second.close();
    }
  });

  it('restores the operator client\'s scopes and operator party at start-up, but never re-activates it', async () => {
    const first = await TestApp.start();
    await first.query("UPDATE entity_clients SET active = false, scopes = '{read:data}'");
    await first.query('UPDATE parties SET operator = false');
    await first.close();
    const second = await TestApp.start({ restartOf: first });
    try {
      expect(await second.query('SELECT active, scopes FROM entity_clients')).toEqual([{ active: false, scopes: ['manage:auth', 'manage:data', 'manage:registrant'] }]);
      expect(await second.query("SELECT type FROM parties WHERE operator")).toEqual([{ type: 'flexibility_information_system_operator' }]);
    } finally {
      await second.close();
    }
  });

  it('signs with the first key of SIGNING_KEYS and publishes them all', async () => {
    const [current, previous] = [generateSigningJwk(), generateSigningJwk()];
    const app = await TestApp.start({ env: { SIGNING_KEYS: JSON.stringify({ keys: [current, previous] }) } });
    try {
      const jwks = (await app.api('GET', '/auth/jwks')).body;
      expect(jwks.keys.map((key: { kid: string }) => key.kid)).toEqual([current.kid, previous.kid]);
      expect(decodeJwtHeader(await app.accessToken(app.operator)).kid).toBe(current.kid);
      expect(await app.query('SELECT kid FROM signing_keys')).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
