import { createLocalJWKSet, jwtVerify } from 'jose';
import { CodeFlowDriver, FormBrowser, formOf, pkce, redirectParameters } from '../support/code-flow.js';
import { decodeJwt, PUBLIC_URL, TEST_PASSWORDS, TestApp } from '../support/test-app.js';

const PASSWORD = TEST_PASSWORDS[0];
const CALLBACK = 'https://app.example/callback';

/** The authorization-code flow with PKCE and PAR, through the issuer's own login and consent pages (form posts, no browser). */
describe('authorization code flow', () => {
  let app: TestApp;
  let operator: string;
  let company: number;
  let sp: number;
  let kari: { id: number; eid: string };
  let client: { id: string; secret: string };
  let other: { id: string; secret: string };

  let flow: CodeFlowDriver;
  const basic = (as: { id: string; secret: string }) => `Basic ${Buffer.from(`${as.id}:${as.secret}`).toString('base64')}`;
  const token = (form: Record<string, string>, as: { id: string; secret: string } = client) => flow.token(form, as);
  const authorizeUrl = (parameters: Record<string, string | undefined>) => flow.authorizeUrl(parameters);
  const untilRedirect = (browser: FormBrowser, url: string) => flow.untilRedirect(browser, url);
  const codeFor = (browser: FormBrowser) => flow.code(browser);

  beforeAll(async () => {
    app = await TestApp.start({ env: { TRUST_PROXY: '1' } });
    operator = await app.accessToken(app.operator);
    company = (await app.adminCreate('/admin/entities', { name: 'Flow AS', type: 'organisation', business_id: '915151515', business_id_type: 'org' })).id;
    sp = (await app.adminCreate('/admin/parties', { entity_id: company, name: 'Flow SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' })).id;
    kari = (await app.adminCreate('/admin/entities', { name: 'Kari Flow', type: 'person', business_id: 'kari@flow.test', business_id_type: 'email' })) as never;
    await app.adminCreate('/admin/party-memberships', { entity_id: kari.id, party_id: sp, scopes: ['read:data'] });
    expect((await app.api('PUT', `/admin/entities/${kari.id}/credentials`, operator, { username: 'kari@flow.test', password: PASSWORD })).status).toBe(204);
    const registration = { entity_id: company, scopes: ['read:data', 'manage:data'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [CALLBACK], post_logout_redirect_uris: ['https://app.example/bye'] };
    const made = await app.adminCreate('/admin/entity-clients', { ...registration, name: 'Budget App' });
    client = { id: made.client_id, secret: made.client_secret };
    const second = await app.adminCreate('/admin/entity-clients', { ...registration, name: 'Other App' });
    other = { id: second.client_id, secret: second.client_secret };
    flow = new CodeFlowDriver(app, client, CALLBACK, { username: 'kari@flow.test', password: PASSWORD });
  });
  afterAll(() => app.close());

  it('logs her in on its own page, asks her consent, and gives the client a code with state and iss', async () => {
    const browser = new FormBrowser(app);
    const { challenge } = pkce();
    const first = await browser.get(authorizeUrl({ response_type: 'code', client_id: client.id, redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256', state: 'abc', scope: 'openid read:data' }));
    expect(first.status).toBe(303);
    expect(first.location).toMatch(/^\/auth\/authorize\/login\?request=[A-Za-z0-9_-]{43}$/);
    const login = await browser.get(first.location!);
    expect(login.status).toBe(200);
    expect(login.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' https://app.example; frame-ancestors 'none'; base-uri 'none'");
    expect(login.html).not.toMatch(/<script/i);
    expect(login.html).toContain('Budget App');
    expect(login.html).toMatch(/<label for="username">/);
    const consentStep = await browser.follow(await browser.post('/auth/authorize/login', { ...formOf(login.html).fields, username: 'kari@flow.test', password: PASSWORD, action: 'login' }));
    expect(consentStep.html).toContain('Allow Budget App?');
    expect(consentStep.html).toContain('Read data — read:data');
    const done = await browser.post('/auth/authorize/consent', { ...formOf(consentStep.html).fields, action: 'allow' });
    expect(done.status).toBe(303);
    const parameters = redirectParameters(done.location);
    expect(done.location!.startsWith(`${CALLBACK}?`)).toBe(true);
    expect(parameters).toEqual({ code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), state: 'abc', iss: PUBLIC_URL });
  });

  it('exchanges the code for an access token, a refresh token and an id_token that a relying party can verify', async () => {
    const browser = new FormBrowser(app);
    const { code, verifier } = await codeFor(browser);
    const answer = await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'openid profile', refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const jwks = createLocalJWKSet((await app.api('GET', '/auth/jwks')).body);
    const { payload } = await jwtVerify(answer.body.id_token, jwks, { issuer: PUBLIC_URL, audience: client.id });
    expect(payload).toMatchObject({ sub: kari.eid, nonce: 'n-1', amr: ['pwd'], name: 'Kari Flow', sid: expect.any(String), auth_time: expect.any(Number) });
    expect(decodeJwt(answer.body.access_token)).toMatchObject({ sub: kari.eid, client_id: client.id, role: 'flex_entity', scope: 'openid profile', sid: expect.any(String) });
    const userinfo = await app.api('GET', '/auth/userinfo', answer.body.access_token);
    expect(userinfo.body).toMatchObject({ sub: kari.eid, name: 'Kari Flow', entity_name: 'Kari Flow' });
  });

  it('skips the password while her login session stands, and the consent she gave', async () => {
    const browser = new FormBrowser(app);
    await codeFor(browser);
    const { challenge } = pkce();
    const again = await browser.get(authorizeUrl({ response_type: 'code', client_id: client.id, redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256', scope: 'openid profile' }));
    expect(again.status).toBe(303);
    expect(redirectParameters(again.location).code).toBeDefined();
    // prompt=login asks for the password again; prompt=none in a browser without a session answers login_required.
    expect((await browser.get(authorizeUrl({ response_type: 'code', client_id: client.id, redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256', prompt: 'login' }))).location).toMatch(/^\/auth\/authorize\/login/);
    const stranger = new FormBrowser(app);
    const none = await stranger.get(authorizeUrl({ response_type: 'code', client_id: client.id, redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256', prompt: 'none', state: 's' }));
    expect(redirectParameters(none.location)).toMatchObject({ error: 'login_required', state: 's', iss: PUBLIC_URL });
  });

  it.each([
    ['no PKCE', { code_challenge: undefined, code_challenge_method: undefined }],
    ['plain PKCE', { code_challenge_method: 'plain' }],
    ['a challenge that is no S256 digest', { code_challenge: 'short' }],
    ['response_type=token (no implicit flow)', { response_type: 'token' }],
    ['response_mode=fragment', { response_mode: 'fragment' }],
    ['a scope beyond the client', { scope: 'manage:auth' }],
  ])('sends %s back to the client as an error, with state and iss', async (_name, change) => {
    const { challenge } = pkce();
    const answer = await new FormBrowser(app).get(authorizeUrl({ response_type: 'code', client_id: client.id, redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256', state: 'xyz', ...change }));
    expect(answer.status).toBe(303);
    expect(answer.location!.startsWith(`${CALLBACK}?`)).toBe(true);
    expect(redirectParameters(answer.location)).toMatchObject({ error: expect.stringMatching(/^(invalid_request|unsupported_response_type|invalid_scope)$/), state: 'xyz', iss: PUBLIC_URL });
  });

  it.each([
    ['a trailing slash', `${CALLBACK}/`],
    ['another case', CALLBACK.replace('callback', 'Callback')],
    ['an added query', `${CALLBACK}?next=https://evil.example`],
    ['another host', 'https://evil.example/callback'],
    ['none at all', undefined],
  ])('never redirects to a redirect URI with %s: a page in words instead', async (_name, redirectUri) => {
    const { challenge } = pkce();
    const answer = await new FormBrowser(app).get(authorizeUrl({ response_type: 'code', client_id: client.id, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256' }));
    expect(answer.status).toBe(400);
    expect(answer.location).toBeNull();
    expect(answer.html).toContain('is not one it registered');
  });

  it('answers an unregistered or malformed client with a page, and a repeated parameter too', async () => {
    for (const clientId of ['0b7f4c1e-5d2a-4e8b-9c3f-6a1d2e3f4a00', 'not-a-uuid']) {
      const answer = await new FormBrowser(app).get(authorizeUrl({ response_type: 'code', client_id: clientId, redirect_uri: CALLBACK }));
      expect({ status: answer.status, location: answer.location }).toEqual({ status: 400, location: null });
    }
    const repeated = await new FormBrowser(app).get(`${authorizeUrl({ response_type: 'code', client_id: client.id, redirect_uri: CALLBACK })}&redirect_uri=${encodeURIComponent('https://evil.example/')}`);
    expect({ status: repeated.status, location: repeated.location }).toEqual({ status: 400, location: null });
  });

  it('refuses a wrong verifier, another redirect URI, and a code of another client without using it up', async () => {
    const { code, verifier } = await codeFor(new FormBrowser(app));
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: pkce().verifier })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: `${CALLBACK}/`, code_verifier: verifier })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier }, other)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: 'x' })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect((await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier })).status).toBe(200);
  });

  it('answers a code used twice with invalid_grant and revokes what the first use gave', async () => {
    const { code, verifier } = await codeFor(new FormBrowser(app));
    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier });
    expect((await app.api('GET', '/auth/userinfo', first.body.access_token)).status).toBe(200);
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await app.api('GET', '/auth/userinfo', first.body.access_token)).status).toBe(401);
    expect(await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('takes a pushed request once, for the client that pushed it, within 60 seconds', async () => {
    const { challenge, verifier } = pkce();
    const pushed = await app.fetch('/auth/par', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client) },
      body: new URLSearchParams({ response_type: 'code', redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256', scope: 'openid', state: 'par-state' }).toString(),
    });
    expect(pushed.status).toBe(201);
    const { request_uri: requestUri, expires_in: expiresIn } = (await pushed.json()) as { request_uri: string; expires_in: number };
    expect({ requestUri, expiresIn }).toEqual({ requestUri: expect.stringMatching(/^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/), expiresIn: 60 });
    // Another client cannot use it, and that does not use it up.
    expect((await new FormBrowser(app).get(authorizeUrl({ client_id: other.id, request_uri: requestUri }))).status).toBe(400);
    const browser = new FormBrowser(app);
    const done = await untilRedirect(browser, authorizeUrl({ client_id: client.id, request_uri: requestUri, redirect_uri: 'https://evil.example/' }));
    const parameters = redirectParameters(done.location);
    expect(done.location!.startsWith(`${CALLBACK}?`)).toBe(true);
    expect(parameters.state).toBe('par-state');
    expect((await token({ grant_type: 'authorization_code', code: parameters.code, redirect_uri: CALLBACK, code_verifier: verifier })).status).toBe(200);
    const reused = await new FormBrowser(app).get(authorizeUrl({ client_id: client.id, request_uri: requestUri }));
    expect({ status: reused.status, location: reused.location }).toEqual({ status: 400, location: null });
    expect(reused.html).toContain('expired or was used already');
    // An expired one is the same.
    const late = await app.fetch('/auth/par', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client) },
      body: new URLSearchParams({ response_type: 'code', redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256' }).toString(),
    });
    const lateUri = ((await late.json()) as { request_uri: string }).request_uri;
    await app.query("UPDATE authorization_requests SET expires_at = now() - interval '1 second' WHERE request_uri_digest IS NOT NULL");
    const expired = await new FormBrowser(app).get(authorizeUrl({ client_id: client.id, request_uri: lateUri }));
    expect({ status: expired.status, location: expired.location }).toEqual({ status: 400, location: null });
  });

  it('refuses PAR without client authentication, with a bad request, and from a client that must push but did not', async () => {
    const push = (form: Record<string, string>, authorization?: string) => app.fetch('/auth/par', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization === undefined ? {} : { authorization }) }, body: new URLSearchParams(form).toString() });
    const { challenge } = pkce();
    expect((await push({ client_id: client.id, response_type: 'code', redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256' })).status).toBe(401);
    const bad = await push({ response_type: 'code', redirect_uri: CALLBACK, code_challenge_method: 'plain', code_challenge: challenge }, basic(client));
    expect({ status: bad.status, error: ((await bad.json()) as { error: string }).error }).toEqual({ status: 400, error: 'invalid_request' });
    const strict = await app.adminCreate('/admin/entity-clients', { entity_id: company, name: 'Strict App', scopes: ['read:data'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'], redirect_uris: [CALLBACK], require_pushed_authorization_requests: true });
    const unpushed = await new FormBrowser(app).get(authorizeUrl({ response_type: 'code', client_id: strict.client_id, redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256' }));
    expect(redirectParameters(unpushed.location)).toMatchObject({ error: 'invalid_request' });
  });

  it('lets one address start AUTHORIZATION_REQUESTS_PER_MINUTE requests a minute, then answers 429 in words, storing nothing more', async () => {
    const { challenge } = pkce();
    const url = flow.request(challenge);
    const flood = new FormBrowser(app, '198.18.0.77');
    const rowsBefore = (await app.query<{ n: number }>('SELECT count(*)::int AS n FROM authorization_requests'))[0].n;
    const statuses: number[] = [];
    for (let batch = 0; batch < 31; batch++) statuses.push(...(await Promise.all(Array.from({ length: 10 }, () => flood.get(url)))).map((answer) => answer.status));
    expect(statuses.filter((status) => status === 303)).toHaveLength(300);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);
    const refused = await flood.get(url);
    expect(refused.html).toContain('Too many logins were started from your network');
    expect((await app.query<{ n: number }>('SELECT count(*)::int AS n FROM authorization_requests'))[0].n - rowsBefore).toBe(300);
    // Another address is not affected.
    expect((await new FormBrowser(app, '198.18.0.78').get(url)).status).toBe(303);
  });
});
