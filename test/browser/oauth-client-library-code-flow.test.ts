import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../support/free-port.js';
import { TestApp, TEST_PASSWORDS } from '../support/test-app.js';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = TEST_PASSWORDS[7];

/**
 * A standard relying party (openid-client 6) through the whole flow against
 * the real service, the person in Chromium: discovery, PAR, the login and
 * consent pages, the code exchange with id_token validation, userinfo,
 * refresh with rotation, revocation and RP-initiated logout.
 */
describe('openid-client through the authorization code flow', () => {
  let app: TestApp;
  let browser: Browser;
  let callback: string;
  let config: client.Configuration;
  let kari: { id: number; eid: string };
  let application: Server;
  const arrivals: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    app = await TestApp.start({ port, env: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
    const operator = await app.accessToken(app.operator);
    const company = (await app.adminCreate('/admin/entities', { name: 'Relying AS', type: 'organisation', business_id: '918181818', business_id_type: 'org' })).id;
    const sp = (await app.adminCreate('/admin/parties', { entity_id: company, name: 'Relying SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' })).id;
    kari = (await app.adminCreate('/admin/entities', { name: 'Kari Relying', type: 'person', business_id: 'kari@relying.test', business_id_type: 'email' })) as never;
    await app.adminCreate('/admin/party-memberships', { entity_id: kari.id, party_id: sp, scopes: ['read:data'] });
    expect((await app.api('PUT', `/admin/entities/${kari.id}/credentials`, operator, { username: 'kari@relying.test', password: PASSWORD })).status).toBe(204);
    // The application: a bare server that notes how the browser came back.
    application = createServer((request, response) => {
      arrivals.push(request.url!);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('back at the application');
    });
    await new Promise<void>((resolve) => application.listen(0, '127.0.0.1', resolve));
    callback = `http://127.0.0.1:${(application.address() as AddressInfo).port}/callback`;
    const made = await app.adminCreate('/admin/entity-clients', {
      entity_id: company, name: 'Relying Web App', scopes: ['read:data'], token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [callback], post_logout_redirect_uris: [`${callback}/bye`],
    });
    config = await client.discovery(new URL(app.publicUrl), made.client_id, {}, client.ClientSecretBasic(made.client_secret), { execute: [client.allowInsecureRequests] });
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    application?.close();
  });

  /** Opens `url` and lets the person act; returns the URL by which the browser came back to the application. */
  async function toApplication(page: Page, url: string, interact: (page: Page) => Promise<void> = async () => {}): Promise<URL> {
    const before = arrivals.length;
    await page.goto(url);
    await interact(page);
    await page.waitForURL(`${callback}**`);
    return new URL(arrivals[before], callback);
  }

  it('runs discovery, PAR, the pages, the code exchange, userinfo, refresh, revocation and logout', async () => {
    expect(config.serverMetadata()).toMatchObject({ pushed_authorization_request_endpoint: `${app.publicUrl}/auth/par`, code_challenge_methods_supported: ['S256'] });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: callback, scope: 'openid profile offline_access', code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256', state, nonce,
    });
    expect(authorizationUrl.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);

    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const answer = await toApplication(page, authorizationUrl.href, async () => {
        await page.getByLabel('E-mail').fill('kari@relying.test');
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.getByRole('heading', { name: 'Allow Relying Web App?' }).waitFor();
        await page.getByRole('button', { name: 'Allow' }).click();
      });
      const tokens = await client.authorizationCodeGrant(config, answer, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
      expect(tokens.claims()).toMatchObject({ sub: kari.eid, name: 'Kari Relying', amr: ['pwd'], nonce });
      expect(tokens.refresh_token).toBeDefined();

      const userinfo = await client.fetchUserInfo(config, tokens.access_token, kari.eid);
      expect(userinfo).toMatchObject({ sub: kari.eid, name: 'Kari Relying' });

      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
      await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

      // The reuse ended the family; a fresh login then revokes its refresh token, and logs out.
      const again = await client.buildAuthorizationUrlWithPAR(config, { redirect_uri: callback, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
      const second = await client.authorizationCodeGrant(config, await toApplication(page, again.href), { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true });
      await client.tokenRevocation(config, second.refresh_token!);
      await expect(client.refreshTokenGrant(config, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

      const logout = client.buildEndSessionUrl(config, { id_token_hint: second.id_token!, post_logout_redirect_uri: `${callback}/bye`, state: 'bye-state' });
      const back = await toApplication(page, logout.href);
      expect(back.pathname).toBe('/callback/bye');
      expect(back.searchParams.get('state')).toBe('bye-state');
      await expect(client.fetchUserInfo(config, second.access_token, kari.eid)).rejects.toBeDefined();
    } finally {
      await context.close();
    }
  });
});
