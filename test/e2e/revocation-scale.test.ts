import pg from 'pg';
import { RevocationList } from '../../src/tokens/revocation-list.service.js';
import { decodeJwt, TestApp } from '../support/test-app.js';

/** Each test on its own database: the bulk rows would slow every other test's replicas. */
describe('a large deny-list', () => {
  /** The service on a fresh database, a client, and a caller that may introspect. */
  async function setUp() {
    const a = await TestApp.start();
    const entity = (await a.adminCreate('/admin/entities', { name: 'Scale AS', type: 'organisation', business_id: '955555555', business_id_type: 'org' })).id;
    const client = await a.createClient(entity, ['read:data']);
    const introspector = await a.accessToken(await a.createClient(entity, ['use:auth:introspect']));
    return { a, client, introspector };
  }
  const activeAt = (app: TestApp, introspector: string, token: string) => app.isActive(token, introspector);
  const revokeAt = (app: TestApp, token: string) => app.revoke(token);
  /** `count` live revocations, made `age` ago, whose jtis sort before any UUID: a paged load meets them first. */
  const bulkRevocations = (app: TestApp, count: number, age = '0 seconds') =>
    app.query(
      `INSERT INTO revoked_tokens (jti, expires_at, revoked_at)
       SELECT '00000000-0000-0000-0000-' || lpad(i::text, 12, '0'), now() + interval '1 hour', now() - $2::interval FROM generate_series(1, $1) i`,
      [count, age],
    );

  it('keeps a revocation notified while a starting replica loads the list', async () => {
    const { a, client, introspector } = await setUp();
    const watcher = new pg.Client({ connectionString: a.databaseUrl });
    await watcher.connect();
    try {
      // Revoked an hour ago: only a full load reads them, and it takes a while.
      await bulkRevocations(a, 300_000, '1 hour');
      const token = await a.accessToken(client);
      const { rows: [{ now }] } = await watcher.query<{ now: Date }>('SELECT now()');
      const starting = TestApp.start({ restartOf: a });
      // The new replica LISTENs, then loads; once its load is seen running, revoke.
      const started = Date.now();
      const loading = "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%FROM revoked_tokens%' AND backend_start > $1 AND pid <> pg_backend_pid()";
      while ((await watcher.query(loading, [now])).rows.length === 0) {
        if (Date.now() - started > 10_000) throw new Error('no load seen within 10 s');
      }
      expect((await revokeAt(a, token)).status).toBe(200);
      const c = await starting;
      try {
        // At once: the notification, not a later sync, must have put it on the list.
        expect(await activeAt(c, introspector, token)).toBe(false);
      } finally {
        await c.close();
      }
    } finally {
      await watcher.end();
      await a.close();
    }
  }, 60_000);

  it('starts with more live revocations than REVOCATION_MEMORY_MAX, and refuses a revoked token it does not hold', async () => {
    const { a, client, introspector } = await setUp();
    const token = await a.accessToken(client);
    const kept = await a.accessToken(client);
    await a.close();
    // Behind everyone's back: 300,000 revocations, and the token's (its jti, a UUID, sorts after all of them).
    await bulkRevocations(a, 300_000);
    await a.query("INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, now() + interval '1 hour')", [decodeJwt(token).jti]);
    const c = await TestApp.start({ restartOf: a, env: { REVOCATION_MEMORY_MAX: '1000' } });
    try {
      const { held, overflow } = c.app.get(RevocationList).memory;
      expect(held).toBeLessThanOrEqual(1000);
      expect(overflow).toBe(true);
      expect(await activeAt(c, introspector, token)).toBe(false);
      expect((await c.api('GET', '/auth/userinfo', token)).status).toBe(401);
      expect(await activeAt(c, introspector, kept)).toBe(true);
      expect(await activeAt(c, introspector, await c.accessToken(client))).toBe(true);
      // A revocation now is refused at once, and memory stays within its bound.
      expect((await revokeAt(c, kept)).status).toBe(200);
      expect(await activeAt(c, introspector, kept)).toBe(false);
      expect(c.app.get(RevocationList).memory.held).toBeLessThanOrEqual(1000);
    } finally {
      await c.close();
    }
  }, 60_000);
});
