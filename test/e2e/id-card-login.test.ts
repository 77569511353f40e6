import { createLocalJWKSet, jwtVerify } from 'jose';
import { createTestCa, type TestCa } from '../support/eid-ca.js';
import { CodeFlowDriver, FormBrowser, formOf, pkce, redirectParameters } from '../support/code-flow.js';
import { PUBLIC_URL, TestApp } from '../support/test-app.js';
import { TestPki } from '../support/test-pki.js';
import { tlsFetch } from '../support/tls-fetch.js';

const CALLBACK = 'https://app.example/callback';

/** An ID card at the issuer's login page: its authentication certificate over the service's own TLS listener. */
describe('logging in with an ID card', () => {
  const pki = new TestPki();
  const serverCa = pki.ca('/CN=Test Server CA');
  const server = serverCa.issue('/CN=issuer.test', { extensions: ['subjectAltName=DNS:issuer.test,IP:127.0.0.1', 'extendedKeyUsage=serverAuth'] });
  let eidCa: TestCa;
  let app: TestApp;
  let flow: CodeFlowDriver;
  let mari: { id: number; eid: string };
  const card = (subject: { serialNumber: string; givenName: string; surname: string }, validity?: { notBefore?: Date; notAfter?: Date }) => eidCa.issueWithKey(subject, validity);

  /** A browser holding `identity` (a card's certificate and key), or none. */
  function browser(identity?: { cert: string; key: string }): FormBrowser {
    return new FormBrowser(app, '203.0.113.5', (path, init) => tlsFetch(`${app.baseUrl}${path}`, init as never, { ca: serverCa.cert, ...identity }));
  }
  async function loginPage(holder: FormBrowser) {
    return holder.follow(await holder.get(flow.request(pkce().challenge)));
  }

  beforeAll(async () => {
    eidCa = await createTestCa();
    app = await TestApp.start({ env: { TLS_CERT_FILE: server.certFile, TLS_KEY_FILE: server.keyFile, EID_TRUSTED_CA_FILE: pki.write('eid-ca.pem', eidCa.pem) } });
    app.transport = (url, init) => tlsFetch(url, init as never, { ca: serverCa.cert });
    mari = (await app.adminCreate('/admin/entities', { name: 'Mari Maasikas', type: 'person', business_id: 'PNOEE-49403136526', business_id_type: 'pid' })) as never;
    const company = (await app.adminCreate('/admin/entities', { name: 'Kaart AS', type: 'organisation', business_id: '919191919', business_id_type: 'org' })).id;
    const made = await app.adminCreate('/admin/entity-clients', {
      entity_id: company, name: 'Card App', scopes: ['read:data'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'], redirect_uris: [CALLBACK],
    });
    flow = new CodeFlowDriver(app, { id: made.client_id, secret: made.client_secret }, CALLBACK, { username: 'unused', password: 'unused' });
  });
  afterAll(() => app.close());

  it('logs a known person in with her card, and her login session says how (amr)', async () => {
    const holder = browser(await card({ serialNumber: 'PNOEE-49403136526', givenName: 'MARI', surname: 'MAASIKAS' }));
    const page = await loginPage(holder);
    expect(page.html).toContain('Log in with ID card');
    const consent = await holder.follow(await holder.post('/auth/authorize/login', { ...formOf(page.html).fields, action: 'id-card' }));
    expect(consent.html).toContain('Allow Card App?');
    const done = await holder.post('/auth/authorize/consent', { ...formOf(consent.html).fields, action: 'allow' });
    expect(redirectParameters(done.location).code).toBeDefined();
    const row = await app.query<{ amr: string[]; entity_id: number }>('SELECT amr, entity_id FROM login_sessions ORDER BY auth_time DESC LIMIT 1');
    expect(row).toEqual([{ amr: ['sc', 'hwk', 'pin', 'mfa'], entity_id: mari.id }]);
  });

  it('puts the card in the id_token\'s amr', async () => {
    const holder = browser(await card({ serialNumber: 'PNOEE-49403136526', givenName: 'MARI', surname: 'MAASIKAS' }));
    const { challenge, verifier } = pkce();
    let page = await holder.follow(await holder.get(flow.request(challenge)));
    // She allowed Card App in the test before: her card leads straight back to it.
    const done = await holder.follow(await holder.post('/auth/authorize/login', { ...formOf(page.html).fields, action: 'id-card' }));
    const tokens = await flow.token({ grant_type: 'authorization_code', code: redirectParameters(done.location).code, redirect_uri: CALLBACK, code_verifier: verifier }, flow.client, {});
    expect(tokens.status).toBe(200);
    const jwks = createLocalJWKSet((await app.api('GET', '/auth/jwks')).body);
    const { payload } = await jwtVerify(tokens.body.id_token, jwks, { issuer: PUBLIC_URL, audience: flow.client.id });
    expect(payload).toMatchObject({ sub: mari.eid, amr: ['sc', 'hwk', 'pin', 'mfa'] });
  });

  it.each([
    ['no card', undefined, 'No ID card came with the request'],
    ['an unknown person\'s card', { serialNumber: 'PNOEE-38001085718', givenName: 'TIIT', surname: 'KASK' }, 'No active account here belongs to this ID card'],
  ])('refuses %s in words, and logs no one in', async (_name, subject, words) => {
    const holder = browser(subject === undefined ? undefined : await card(subject));
    const page = await loginPage(holder);
    const refused = await holder.post('/auth/authorize/login', { ...formOf(page.html).fields, action: 'id-card' });
    expect(refused.status).toBe(401);
    expect(refused.html).toContain(words);
    expect(holder.cookies.has('ti_session')).toBe(false);
  });

  it('refuses a card of an untrusted CA and an expired card', async () => {
    const stranger = await createTestCa('Stranger CA');
    for (const identity of [
      await stranger.issueWithKey({ serialNumber: 'PNOEE-49403136526', givenName: 'MARI', surname: 'MAASIKAS' }),
      await card({ serialNumber: 'PNOEE-49403136526', givenName: 'MARI', surname: 'MAASIKAS' }, { notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) }),
    ]) {
      const holder = browser(identity);
      const page = await loginPage(holder);
      const refused = await holder.post('/auth/authorize/login', { ...formOf(page.html).fields, action: 'id-card' });
      expect({ status: refused.status, words: refused.html.includes('not accepted here') }).toEqual({ status: 401, words: true });
    }
  });
});
