import { generateKeyPairSync } from 'node:crypto';
import { JWT_BEARER, signAssertion, TestApp, type TestClient } from '../support/test-app.js';

/** Replica B serves logins from its cache; changes made elsewhere must reach it within a second. */
describe('directory caches across replicas', () => {
  let a: TestApp;
  let b: TestApp;
  let entity: number;
  let operator: string;

  beforeAll(async () => {
    a = await TestApp.start();
    b = await TestApp.start({ restartOf: a });
    entity = (await a.adminCreate('/admin/entities', { name: 'Cached AS', type: 'organisation', business_id: '913131313', business_id_type: 'org' })).id;
    operator = await a.accessToken(a.operator);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  /** Milliseconds until logins of `client` at B answer `status` (fails after 2 s). */
  async function msUntil(client: TestClient, status: number): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < 2000) {
      if ((await b.login(client)).status === status) return Date.now() - started;
    }
    throw new Error(`B did not answer ${status} within 2 s`);
  }
  const warm = async (client: TestClient) => {
    for (let i = 0; i < 3; i++) expect((await b.login(client)).status).toBe(200);
  };

  it('refuses at B, within 1 s, a client deactivated through A', async () => {
    const client = await a.createClient(entity, ['read:data']);
    await warm(client);
    await a.api('POST', `/admin/entity-clients/${client.clientId}/deactivate`, operator);
    expect(await msUntil(client, 400)).toBeLessThan(1000);
  });

  it('refuses at B, within 1 s, a key removed through A', async () => {
    const client = await a.createClient(entity, ['read:data']);
    const next = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await a.api('POST', `/admin/entity-clients/${client.clientId}/keys`, operator, { public_key: next.publicKey.export({ type: 'spki', format: 'pem' }) });
    await warm(client);
    await a.api('DELETE', `/admin/entity-clients/${client.clientId}/keys/${client.kid}`, operator);
    expect(await msUntil(client, 400)).toBeLessThan(1000);
  });

  it('refuses at B, within 1 s, a change made by hand in the database', async () => {
    const client = await a.createClient(entity, ['read:data']);
    await warm(client);
    await a.query('UPDATE entity_clients SET active = false WHERE client_id = $1', [client.clientId]);
    expect(await msUntil(client, 400)).toBeLessThan(1000);
    await a.query('UPDATE entity_clients SET active = true WHERE client_id = $1', [client.clientId]);
    expect(await msUntil(client, 200)).toBeLessThan(1000);
  });

  it('accepts an assertion once across replicas, even when both receive it at the same moment', async () => {
    const client = await a.createClient(entity, ['read:data']);
    for (let round = 0; round < 10; round++) {
      const assertion = await signAssertion(client);
      const answers = await Promise.all([a, b, a, b].map((app) => app.tokenRequest({ grant_type: JWT_BEARER, assertion }).then((response) => response.status)));
      expect(answers.sort()).toEqual([200, 400, 400, 400]);
    }
  });

  it('reads the database while it cannot hear changes, and catches up after reconnecting', async () => {
    const client = await a.createClient(entity, ['read:data']);
    await warm(client);
    await a.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'token-issuer notifications'");
    await a.query('UPDATE entity_clients SET active = false WHERE client_id = $1', [client.clientId]);
    expect(await msUntil(client, 400)).toBeLessThan(1000);
  });
});
