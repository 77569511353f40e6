import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded-postgres.js';
import { freePort } from '../support/free-port.js';
import { signAssertion, TestApp, JWT_BEARER, type TestClient } from '../support/test-app.js';

const PASSWORD = 'outage test passphrase';

/** This suite stops and restarts a real Postgres of its own, so other suites' server is untouched. */
describe('when Postgres becomes unreachable', () => {
  let dataDir: string;
  let port: number;
  let server: EmbeddedDatabase;
  let app: TestApp;
  let client: TestClient;
  let accessToken: string;
  let registrantToken: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'token-issuer-outage-'));
    port = await freePort();
    server = await startEmbeddedPostgres(dataDir, port);
    app = await TestApp.start({ adminUrl: server.adminUrl });
    const entity = (await app.adminCreate('/admin/entities', { name: 'Outage AS', type: 'organisation', business_id: '977777777', business_id_type: 'org' })).id;
    await app.adminCreate('/admin/parties', { entity_id: entity, name: 'Outage SP', type: 'service_provider', business_id: '5790000000005', business_id_type: 'gln' });
    client = await app.createClient(entity, ['read:data']);
    accessToken = await app.accessToken(client, { sub: 'no:party:gln:5790000000005' });
    const person = await app.adminCreate('/admin/entities', { name: 'Kari Outage', type: 'person', business_id: 'kari@outage.test', business_id_type: 'email' });
    await app.api('PUT', `/admin/entities/${person.id}/credentials`, await app.accessToken(app.operator), { username: 'kari@outage.test', password: PASSWORD });
    registrantToken = (await passwordLogin()).body.access_token;
  });
  afterAll(async () => {
    await app?.close();
    await server?.stop();
  });

  const passwordLogin = async () => {
    const response = await app.fetch('/api/v1/registrant/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'kari@outage.test', password: PASSWORD }) });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
  };
  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const started = Date.now();
    const result = await work();
    return [result, Date.now() - started];
  };

  it('answers logins 503 with Retry-After within 2 s, keeps verifying issued tokens, and recovers within 5 s', async () => {
    await server.stop();

    const assertion = await signAssertion(client);
    const [login, loginMs] = await timed(() => app.tokenRequest({ grant_type: JWT_BEARER, assertion }));
    expect(loginMs).toBeLessThan(2000);
    expect(login.status).toBe(503);
    expect(login.headers.get('retry-after')).toBe('5');
    expect(await login.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable; retry shortly' });

    // Many at once answer as quickly, whichever query meets the outage first.
    const assertions = await Promise.all(Array.from({ length: 12 }, () => signAssertion(client)));
    const [burst, burstMs] = await timed(() => Promise.all(assertions.map((each) => app.tokenRequest({ grant_type: JWT_BEARER, assertion: each }))));
    expect(burst.map((response) => response.status)).toEqual(Array(12).fill(503));
    expect(burstMs).toBeLessThan(2000);

    const [registrant, registrantMs] = await timed(passwordLogin);
    expect(registrantMs).toBeLessThan(2000);
    expect(registrant.status).toBe(503);
    expect(registrant.headers.get('retry-after')).toBe('5');
    expect(registrant.body).toEqual({ errors: [{ base: ['The service is temporarily unavailable; retry shortly'] }] });

    // Tokens already issued are verified from memory: signing keys, token secret, and the names last seen.
    const userinfo = await app.api('GET', '/auth/userinfo', accessToken);
    expect(userinfo.status).toBe(200);
    expect(userinfo.body).toMatchObject({ entity_name: 'Outage AS', party_name: 'Outage SP' });
    const person = await app.api('GET', '/auth/userinfo', registrantToken);
    expect(person.status).toBe(200);
    expect(person.body.entity_name).toBe('Kari Outage');

    expect((await app.fetch('/health/live')).status).toBe(200);
    const [ready, readyMs] = await timed(() => app.fetch('/health/ready'));
    expect(ready.status).toBe(503);
    expect(readyMs).toBeLessThan(2000);

    server = await startEmbeddedPostgres(dataDir, port);
    const restarted = Date.now();
    let status = 0;
    while (Date.now() - restarted < 5000) {
      status = (await app.login(client)).status;
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
    expect(Date.now() - restarted).toBeLessThan(5000);
    expect((await passwordLogin()).status).toBe(201);
    expect((await app.fetch('/health/ready')).status).toBe(200);
  });
});
