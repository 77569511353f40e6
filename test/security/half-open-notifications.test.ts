import { NOTIFICATIONS_APPLICATION_NAME, NotificationHub } from '../../src/database/notification-hub.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestApp, type TestClient } from '../support/test-app.js';

/**
 * Replica C reaches Postgres through a proxy that black-holes its LISTEN
 * connection: no notification arrives, and nothing tells C the connection is
 * dead. Its caches must not trust the silence beyond their stated bounds
 * (about 5 s for revocations and directory entries), and its heartbeat must
 * notice and reconnect.
 */
describe('when the notification connection goes silent (half-open)', () => {
  let a: TestApp;
  let c: TestApp;
  let proxy: TcpProxy;
  let client: TestClient;
  let introspector: string;

  beforeAll(async () => {
    a = await TestApp.start();
    proxy = await TcpProxy.start(a.databaseUrl);
    c = await TestApp.start({ restartOf: a, connectTo: (url) => proxy.url(url) });
    const entity = (await a.adminCreate('/admin/entities', { name: 'Silent AS', type: 'organisation', business_id: '944444444', business_id_type: 'org' })).id;
    client = await a.createClient(entity, ['read:data']);
    introspector = await c.accessToken(await a.createClient(entity, ['use:auth:introspect']));
  });
  afterAll(async () => {
    await c?.close();
    await a?.close();
    await proxy?.close();
  });

  const activeAtC = async (token: string) => {
    const response = await c.fetch('/auth/introspect', {
      method: 'POST',
      headers: { authorization: `Bearer ${introspector}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    return ((await response.json()) as { active: boolean }).active;
  };
  const revokeAtA = (token: string) =>
    a.fetch('/auth/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
  /** Milliseconds from `since` until `condition` holds (fails after `ms`). */
  async function msUntil(condition: () => Promise<boolean>, since: number, ms: number): Promise<number> {
    while (Date.now() - since < ms) {
      if (await condition()) return Date.now() - since;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`not within ${ms} ms`);
  }

  it('refuses a revoked token and a deactivated client within about 5 s, then notices the dead connection and listens again', async () => {
    const token = await a.accessToken(client);
    const deactivated = await a.createClient((await a.adminCreate('/admin/entities', { name: 'Silent Two AS', type: 'organisation', business_id: '933333333', business_id_type: 'org' })).id, ['read:data']);
    expect(await activeAtC(token)).toBe(true);
    for (let i = 0; i < 3; i++) expect((await c.login(deactivated)).status).toBe(200); // cached at C
    const hub = c.app.get(NotificationHub);
    expect(hub.isListening).toBe(true);

    expect(proxy.blackHole(NOTIFICATIONS_APPLICATION_NAME)).toHaveLength(1);
    const silentSince = Date.now();
    expect((await revokeAtA(token)).status).toBe(200);
    await a.query('UPDATE entity_clients SET active = false WHERE client_id = $1', [deactivated.clientId]);
    const [revokedMs, deactivatedMs] = await Promise.all([
      msUntil(async () => !(await activeAtC(token)), silentSince, 8000),
      msUntil(async () => (await c.login(deactivated)).status === 400, silentSince, 8000),
    ]);
    expect(revokedMs).toBeLessThan(6000);
    expect(deactivatedMs).toBeLessThan(6000);

    // Heartbeat every 5 s, 2 s to answer, then a reconnect: a new LISTEN connection through the proxy, seen by Postgres.
    await msUntil(async () => hub.isListening && proxy.connections.some((each) => each.applicationName === NOTIFICATIONS_APPLICATION_NAME && each.openedAt > silentSince), silentSince, 12_000);
    const fresh = proxy.connections.filter((each) => each.applicationName === NOTIFICATIONS_APPLICATION_NAME && each.openedAt > silentSince);
    expect(fresh).toHaveLength(1);
    const backends = await a.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND client_port = $2', [NOTIFICATIONS_APPLICATION_NAME, fresh[0].upstreamPort]);
    expect(backends).toHaveLength(1);

    // Notifications flow again: a revocation reaches C within a second.
    const next = await a.accessToken(client);
    expect(await activeAtC(next)).toBe(true);
    const revokedAt = Date.now();
    await revokeAtA(next);
    expect(await msUntil(async () => !(await activeAtC(next)), revokedAt, 1000)).toBeLessThan(1000);
  }, 60_000);
});
