import { CodeFlowDriver, FormBrowser, formOf, pkce, redirectParameters } from '../support/code-flow.js';
import { decodeJwt, TEST_PASSWORDS, TestApp } from '../support/test-app.js';

const PASSWORD = TEST_PASSWORDS[0];
const CALLBACK = 'https://app.example/callback';
const BYE = 'https://app.example/bye';

/** What a code-flow login becomes: refresh tokens that rotate, parties, the login page's defences, and logout. */
describe('code flow: refresh tokens, parties, forms and logout', () => {
  let app: TestApp;
  let operator: string;
  let company: number;
  let sp: number;
  let mo: number;
  let kari: { id: number; eid: string };
  let membership: number;
  let flow: CodeFlowDriver;

  beforeAll(async () => {
    app = await TestApp.start({ env: { TRUST_PROXY: '1', LOGIN_THROTTLE_MAX_FAILURES: '3' } });
    operator = await app.accessToken(app.operator);
    company = (await app.adminCreate('/admin/entities', { name: 'Rotor AS', type: 'organisation', business_id: '916161616', business_id_type: 'org' })).id;
    sp = (await app.adminCreate('/admin/parties', { entity_id: company, name: 'Rotor SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' })).id;
    mo = (await app.adminCreate('/admin/parties', { entity_id: company, name: 'Rotor ES', type: 'energy_supplier', business_id: '7080000000005', business_id_type: 'gln' })).id;
    kari = (await app.adminCreate('/admin/entities', { name: 'Kari Rotor', type: 'person', business_id: 'kari@rotor.test', business_id_type: 'email' })) as never;
    membership = (await app.adminCreate('/admin/party-memberships', { entity_id: kari.id, party_id: sp, scopes: ['read:data'] })).id;
    await app.adminCreate('/admin/party-memberships', { entity_id: kari.id, party_id: mo, scopes: ['manage:data'] });
    expect((await app.api('PUT', `/admin/entities/${kari.id}/credentials`, operator, { username: 'kari@rotor.test', password: PASSWORD })).status).toBe(204);
    const made = await app.adminCreate('/admin/entity-clients', {
      entity_id: company, name: 'Rotor App', scopes: ['read:data', 'manage:data'], token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [CALLBACK], post_logout_redirect_uris: [BYE],
    });
    flow = new CodeFlowDriver(app, { id: made.client_id, secret: made.client_secret }, CALLBACK, { username: 'kari@rotor.test', password: PASSWORD });
  });
  afterAll(() => app.close());

  const refresh = (refreshToken: string, extra: Record<string, string> = {}) => flow.token({ grant_type: 'refresh_token', refresh_token: refreshToken, ...extra });
  const userinfoStatus = async (accessToken: string) => (await app.api('GET', '/auth/userinfo', accessToken)).status;

  it('rotates the refresh token on every use; the old one presented again ends the whole family', async () => {
    const first = await flow.tokens(new FormBrowser(app));
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(second.body.access_token).sid).toBe(decodeJwt(first.access_token).sid);
    const third = await refresh(second.body.refresh_token);
    expect(third.status).toBe(200);
    // The first token again: a second holder. Everything of the family ends, on this replica and (through sid) every other.
    expect(await refresh(first.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await refresh(third.body.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await userinfoStatus(third.body.access_token)).toBe(401);
    expect(await userinfoStatus(first.access_token)).toBe(401);
  });

  it('lets exactly one of 50 concurrent refreshes with one token succeed', async () => {
    const { refresh_token: refreshToken } = await flow.tokens(new FormBrowser(app));
    const answers = await Promise.all(Array.from({ length: 50 }, () => refresh(refreshToken)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 400 && answer.body.error === 'invalid_grant')).toHaveLength(49);
    expect(answers.every((answer) => answer.status < 500)).toBe(true);
  });

  it('narrows on refresh, never widens', async () => {
    const party = await flow.tokens(new FormBrowser(app), { scope: `openid assume:party:${mo}` });
    expect(decodeJwt(party.access_token)).toMatchObject({ party_id: mo, role: 'flex_energy_supplier', scope: 'openid manage:data' });
    const narrower = await refresh(party.refresh_token, { scope: 'read:data' });
    expect(narrower).toMatchObject({ status: 200, body: { scope: 'read:data' } });
    expect(await refresh(narrower.body.refresh_token, { scope: 'manage:data profile' })).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });

  it('acts for a party named in the scope, within her membership there, and refuses one she may not act for', async () => {
    const browser = new FormBrowser(app);
    const { challenge } = pkce();
    const consent = await browser.follow(await browser.get(flow.request(challenge, { scope: `openid assume:party:${sp}` })));
    const login = formOf(consent.html);
    const consentPage = await browser.follow(await browser.post(login.action, { ...login.fields, username: 'kari@rotor.test', password: PASSWORD, action: 'login' }));
    expect(consentPage.html).toContain('It will act for <strong>Rotor SP</strong>.');
    const done = await browser.post('/auth/authorize/consent', { ...formOf(consentPage.html).fields, action: 'allow' });
    const { code } = redirectParameters(done.location);
    expect(code).toBeDefined();
    const elsewhere = (await app.adminCreate('/admin/entities', { name: 'Other AS', type: 'organisation', business_id: '917171717', business_id_type: 'org' })).id;
    const foreign = (await app.adminCreate('/admin/parties', { entity_id: elsewhere, name: 'Other SP', type: 'service_provider', business_id: '7080000000012', business_id_type: 'gln' })).id;
    const refused = await browser.get(flow.request(challenge, { scope: `assume:party:${foreign}`, state: 'q' }));
    expect(redirectParameters(refused.location)).toMatchObject({ error: 'access_denied', state: 'q' });
  });

  it('lets her pick the party on the consent page when the client asks for assume:party', async () => {
    const browser = new FormBrowser(app);
    const { challenge, verifier } = pkce();
    let page = await browser.follow(await browser.get(flow.request(challenge, { scope: 'assume:party' })));
    page = await browser.follow(await browser.post('/auth/authorize/login', { ...formOf(page.html).fields, username: 'kari@rotor.test', password: PASSWORD, action: 'login' }));
    expect(page.html).toContain('Act for which party?');
    expect(page.html).toContain('Rotor SP');
    expect(page.html).toContain('Rotor ES');
    const unknown = await browser.post('/auth/authorize/consent', { ...formOf(page.html).fields, party_id: '999999', action: 'allow' });
    expect(unknown.status).toBe(400);
    expect(unknown.html).toContain('Choose one of the parties listed.');
    const done = await browser.post('/auth/authorize/consent', { ...formOf(unknown.html).fields, party_id: String(mo), action: 'allow' });
    const tokens = await flow.token({ grant_type: 'authorization_code', code: redirectParameters(done.location).code, redirect_uri: CALLBACK, code_verifier: verifier });
    expect(decodeJwt(tokens.body.access_token)).toMatchObject({ party_id: mo, scope: 'manage:data' });
  });

  it('refuses a refresh once her membership of the party is gone, or she is deactivated', async () => {
    const party = await flow.tokens(new FormBrowser(app), { scope: `assume:party:${sp}` });
    expect((await app.api('DELETE', `/admin/party-memberships/${membership}`, operator)).status).toBe(204);
    expect(await refresh(party.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const own = await flow.tokens(new FormBrowser(app));
    expect((await app.api('PATCH', `/admin/entities/${kari.id}`, operator, { status: 'inactive' })).status).toBe(200);
    try {
      expect(await refresh(own.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    } finally {
      expect((await app.api('PATCH', `/admin/entities/${kari.id}`, operator, { status: 'active' })).status).toBe(200);
    }
  });

  it('ends the family when the refresh token is revoked (RFC 7009), by its own client only', async () => {
    const tokens = await flow.tokens(new FormBrowser(app));
    const stranger = await app.adminCreate('/admin/entity-clients', { entity_id: company, name: 'Stranger', scopes: ['read:data'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
    const revoke = (authorization?: string) => app.fetch('/auth/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization === undefined ? {} : { authorization }) }, body: new URLSearchParams({ token: tokens.refresh_token, token_type_hint: 'refresh_token' }).toString() });
    expect((await revoke(`Basic ${Buffer.from(`${stranger.client_id}:${stranger.client_secret}`).toString('base64')}`)).status).toBe(400);
    expect(await userinfoStatus(tokens.access_token)).toBe(200);
    expect((await revoke(`Basic ${Buffer.from(`${flow.client.id}:${flow.client.secret}`).toString('base64')}`)).status).toBe(200);
    expect(await userinfoStatus(tokens.access_token)).toBe(401);
    expect(await refresh(tokens.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses a login form from another browser, a replayed form, and one without its token', async () => {
    const browser = new FormBrowser(app, '203.0.113.40');
    const page = await browser.follow(await browser.get(flow.request(pkce().challenge)));
    const { fields } = formOf(page.html);
    const elsewhere = new FormBrowser(app, '203.0.113.41');
    const forged = await elsewhere.post('/auth/authorize/login', { ...fields, username: 'kari@rotor.test', password: PASSWORD, action: 'login' });
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('started in another browser');
    expect(elsewhere.cookies.has('ti_session')).toBe(false);
    const missing = await browser.post('/auth/authorize/login', { request: fields.request, username: 'kari@rotor.test', password: PASSWORD, action: 'login' });
    expect(missing.status).toBe(400);
    const wrong = await browser.post('/auth/authorize/login', { ...formOf(missing.html).fields, username: 'kari@rotor.test', password: 'not it', action: 'login' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('The e-mail or password is wrong.');
    expect(wrong.html).toContain('aria-describedby="problem"');
    // The form of the wrong attempt, sent again with the right password: used up.
    const replayed = await browser.post('/auth/authorize/login', { ...formOf(missing.html).fields, username: 'kari@rotor.test', password: PASSWORD, action: 'login' });
    expect(replayed.status).toBe(400);
    expect(replayed.html).toContain('sent already');
    expect(browser.cookies.has('ti_session')).toBe(false);
  });

  it('throttles the login page as the registrant login: 429 in words, even for the right password', async () => {
    const browser = new FormBrowser(app, '203.0.113.50');
    let page = await browser.follow(await browser.get(flow.request(pkce().challenge)));
    for (let attempt = 0; attempt < 3; attempt++) {
      page = await browser.post('/auth/authorize/login', { ...formOf(page.html).fields, username: 'kari@rotor.test', password: `wrong ${attempt}`, action: 'login' });
    }
    const locked = await browser.post('/auth/authorize/login', { ...formOf(page.html).fields, username: 'kari@rotor.test', password: PASSWORD, action: 'login' });
    expect(locked.status).toBe(429);
    expect(locked.html).toMatch(/Too many failed attempts\. Try again in \d+ minutes?\./);
  });

  it('sends a denial back as access_denied', async () => {
    const browser = new FormBrowser(app, '203.0.113.60');
    let page = await browser.follow(await browser.get(flow.request(pkce().challenge, { prompt: 'consent', state: 'deny-me' })));
    page = await browser.follow(await browser.post('/auth/authorize/login', { ...formOf(page.html).fields, username: 'kari@rotor.test', password: PASSWORD, action: 'login' }));
    const denied = await browser.post('/auth/authorize/consent', { ...formOf(page.html).fields, action: 'deny' });
    expect(redirectParameters(denied.location)).toMatchObject({ error: 'access_denied', state: 'deny-me' });
  });

  it('logs out with an id_token_hint: the session ends, its tokens are revoked, and she returns to a registered address with state', async () => {
    const browser = new FormBrowser(app, '203.0.113.70');
    const tokens = await flow.tokens(browser);
    const hint = tokens.id_token as string;
    const refused = await browser.get(`/auth/authorize/logout?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: 'https://evil.example/' })}`);
    expect({ status: refused.status, location: refused.location }).toEqual({ status: 400, location: null });
    const unhinted = await browser.get(`/auth/authorize/logout?${new URLSearchParams({ post_logout_redirect_uri: BYE })}`);
    expect({ status: unhinted.status, location: unhinted.location }).toEqual({ status: 400, location: null });
    const out = await browser.get(`/auth/authorize/logout?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: BYE, state: 'later' })}`);
    expect(out.status).toBe(303);
    expect(out.location).toBe(`${BYE}?state=later`);
    expect(browser.cookies.has('ti_session')).toBe(false);
    expect(await userinfoStatus(tokens.access_token)).toBe(401);
    expect(await refresh(tokens.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await browser.get(flow.request(pkce().challenge))).location).toMatch(/^\/auth\/authorize\/login/);
  });

  it('asks before logging out without a hint, and refuses the confirmation from another site', async () => {
    const browser = new FormBrowser(app, '203.0.113.80');
    const tokens = await flow.tokens(browser);
    const ask = await browser.get('/auth/authorize/logout');
    expect(ask.html).toContain('Log out?');
    const forged = await browser.post('/auth/authorize/logout', { form_token: 'A'.repeat(43) });
    expect(forged.status).toBe(400);
    expect(await userinfoStatus(tokens.access_token)).toBe(200);
    const done = await browser.post('/auth/authorize/logout', formOf(ask.html).fields);
    expect(done.html).toContain('You are logged out here.');
    expect(await userinfoStatus(tokens.access_token)).toBe(401);
  });

  it('lists her consents to her own login only, and withdrawing one asks again and ends what she gave the client', async () => {
    const browser = new FormBrowser(app, '203.0.113.90');
    const tokens = await flow.tokens(browser);
    const registrant = await app.fetch('/api/v1/registrant/auth/token', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.91' }, body: JSON.stringify({ username: 'kari@rotor.test', password: PASSWORD }) });
    const own = ((await registrant.json()) as { access_token: string }).access_token;
    const listed = await app.api('GET', '/auth/consents', own);
    expect(listed.body.consents).toEqual([expect.objectContaining({ client_id: flow.client.id, scope: expect.stringContaining('openid') })]);
    // The application's own token may not read or withdraw what she allowed.
    expect((await app.api('GET', '/auth/consents', tokens.access_token)).status).toBe(403);
    expect((await app.api('DELETE', `/auth/consents/${flow.client.id}`, tokens.access_token)).status).toBe(403);
    expect((await app.api('DELETE', `/auth/consents/${flow.client.id}`, own)).status).toBe(204);
    expect((await app.api('GET', '/auth/consents', own)).body.consents).toEqual([]);
    expect(await userinfoStatus(tokens.access_token)).toBe(401);
    expect(await refresh(tokens.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // Her login session stands, but the application must ask again.
    const again = await browser.follow(await browser.get(flow.request(pkce().challenge)));
    expect(again.html).toContain('Allow Rotor App?');
  });
});
