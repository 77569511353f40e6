import { generateKeyPairSync } from 'node:crypto';
import pg from 'pg';
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

  describe('eID persons', () => {
    let partnerToken: string;
    beforeAll(async () => {
      partnerToken = await a.accessToken(await a.createClient(entity, ['use:registrant:eid']));
    });
    const eidLogin = (body: Record<string, string>) => b.fetch('/api/v1/registrant/auth/token', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${partnerToken}` }, body: JSON.stringify(body),
    }).then((response) => response.status);
    /** Milliseconds until eID logins of `body` at B answer `status` (fails after 2 s). */
    async function msUntilEid(body: Record<string, string>, status: number): Promise<number> {
      const started = Date.now();
      while (Date.now() - started < 2000) {
        if ((await eidLogin(body)) === status) return Date.now() - started;
      }
      throw new Error(`B did not answer ${status} within 2 s`);
    }

    it('logs a returning person in at B from its cache, without reading her from Postgres', async () => {
      const jaan = { ident: '38001085718', first_name: 'JAAN', last_name: 'TAMM' };
      for (let i = 0; i < 3; i++) expect(await eidLogin(jaan)).toBe(201);
      // A lock that holds every read of entities: a login that reads her from Postgres waits past its query timeout (503).
      const locker = new pg.Client({ connectionString: a.databaseUrl });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE entities IN ACCESS EXCLUSIVE MODE');
        expect(await eidLogin(jaan)).toBe(201);
        expect(await eidLogin({ ident: '49403136526', first_name: 'MARI', last_name: 'KASK' })).toBe(503);
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
    });

    it('refuses at B, within 1 s, a cached person deactivated through A, and by hand in the database', async () => {
      const liis = { ident: '48707120019', first_name: 'LIIS', last_name: 'KUUSK' };
      for (let i = 0; i < 3; i++) expect(await eidLogin(liis)).toBe(201);
      const [{ id }] = await a.query<{ id: number }>("SELECT id FROM entities WHERE business_id = 'PNOEE-48707120019'");
      expect((await a.api('POST', `/admin/entities/${id}/deactivate`, operator)).status).toBe(200);
      expect(await msUntilEid(liis, 401)).toBeLessThan(1000);
      await a.query("UPDATE entities SET status = 'active' WHERE id = $1", [id]);
      expect(await msUntilEid(liis, 201)).toBeLessThan(1000);
      await a.query("UPDATE entities SET status = 'inactive' WHERE id = $1", [id]);
      expect(await msUntilEid(liis, 401)).toBeLessThan(1000);
    });
  });

  it('reads the database while it cannot hear changes, and catches up after reconnecting', async () => {
    const client = await a.createClient(entity, ['read:data']);
    await warm(client);
    await a.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'token-issuer notifications'");
    await a.query('UPDATE entity_clients SET active = false WHERE client_id = $1', [client.clientId]);
    expect(await msUntil(client, 400)).toBeLessThan(1000);
  });
});
