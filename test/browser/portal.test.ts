import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SignJWT, importPKCS8 } from 'jose';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { freePort } from '../support/free-port.js';
import { decodeJwt, JWT_BEARER, TestApp, TEST_PASSWORDS } from '../support/test-app.js';

/**
 * The seed's portal story in a real browser (Debian's chromium, driven by
 * playwright-core) against the real service and Postgres: a person logs in,
 * assumes her company's organisation party, creates an entity client with a
 * key generated in the browser, logs in with the downloaded private key,
 * deactivates the client and reads the audit trail; and the operator's view.
 * Screenshots of each page go to test/artifacts/portal/ (not committed).
 */

const ARTIFACTS = fileURLToPath(new URL('../artifacts/portal/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const KARI_PASSWORD = TEST_PASSWORDS[5];
const OLA_PASSWORD = TEST_PASSWORDS[6];

let app: TestApp;
let browser: Browser;
let operatorToken: string;
const world = {} as {
  testkraft: { id: number };
  org: { id: number };
  sp: { id: number; business_id: string };
  otherParty: { id: number };
  operatorParty: { id: number };
};

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // The portal is an OAuth client whose redirect URI is PUBLIC_URL/portal/: the browser must be at PUBLIC_URL.
  const port = await freePort();
  app = await TestApp.start({ port, env: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
  operatorToken = await app.accessToken(app.operator);
  world.testkraft = (await app.adminCreate('/admin/entities', { name: 'Testkraft AS', type: 'organisation', business_id: '123456789', business_id_type: 'org' })) as never;
  world.org = (await app.adminCreate('/admin/parties', { entity_id: world.testkraft.id, name: 'Testkraft ORG', type: 'organisation', business_id: '123456789', business_id_type: 'org' })) as never;
  world.sp = (await app.adminCreate('/admin/parties', { entity_id: world.testkraft.id, name: 'Testkraft SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' })) as never;
  const other = await app.adminCreate('/admin/entities', { name: 'Annenkraft AS', type: 'organisation', business_id: '987654321', business_id_type: 'org' });
  world.otherParty = (await app.adminCreate('/admin/parties', { entity_id: other.id, name: 'Annenkraft ORG', type: 'organisation', business_id: '987654321', business_id_type: 'org' })) as never;
  const kari = await app.adminCreate('/admin/entities', { name: 'Kari Nordmann', type: 'person', business_id: 'knor@testkraft.test', business_id_type: 'email' });
  await app.adminCreate('/admin/party-memberships', { entity_id: kari.id, party_id: world.org.id, scopes: ['manage:auth', 'manage:data'] });
  await setCredentials(kari.id, 'knor@testkraft.test', KARI_PASSWORD);

  // The operator as a person: a membership in the FIS operator party the bootstrap made.
  const parties = await app.api('GET', '/admin/parties?per_page=200', operatorToken);
  world.operatorParty = parties.body.items.find((party: { type: string }) => party.type === 'flexibility_information_system_operator');
  const ola = await app.adminCreate('/admin/entities', { name: 'Ola Operatør', type: 'person', business_id: 'ola@fiso.test', business_id_type: 'email' });
  await app.adminCreate('/admin/party-memberships', { entity_id: ola.id, party_id: world.operatorParty.id, scopes: ['manage:auth', 'manage:data'] });
  await setCredentials(ola.id, 'ola@fiso.test', OLA_PASSWORD);

  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function setCredentials(entityId: number, username: string, password: string): Promise<void> {
  const response = await app.api('PUT', `/admin/entities/${entityId}/credentials`, operatorToken, { username, password });
  if (response.status !== 204) throw new Error(`credentials: ${response.status}`);
}

async function newPage(): Promise<{ context: BrowserContext; page: Page; requests: string[] }> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(`${request.method()} ${request.url()} ${request.postData() ?? ''}`));
  // A CSP violation or a script error fails the story.
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(message.text());
  });
  (page as Page & { problems: string[] }).problems = problems;
  return { context, page, requests };
}

function problemsOf(page: Page): string[] {
  return (page as Page & { problems: string[] }).problems;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

/** On the issuer's own login page (the portal never sees the password). */
async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('E-mail').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** Ola logs in and acts for the FIS operator party: the operator's home, the list of entities. */
async function operatorLogIn(page: Page): Promise<void> {
  await page.goto(`${app.baseUrl}/portal/`);
  await logIn(page, 'ola@fiso.test', OLA_PASSWORD);
  await page.getByRole('link', { name: /flexibility information system operator/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Entities' }).waitFor();
}

/** The name, type and business id fields of the operator's entity and party forms. */
async function fillIdentity(form: Locator, name: string, type: string, businessId: string, businessIdType: string): Promise<void> {
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Type', { exact: true }).selectOption(type);
  await form.getByLabel('Business ID', { exact: true }).fill(businessId);
  await form.getByLabel('Business ID type').selectOption(businessIdType);
}

async function jwtBearerLogin(clientId: string, kid: string, privateKeyPem: string, sub: string): Promise<Response> {
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ iss: clientId, sub, aud: `${app.publicUrl}/auth/token`, jti: randomUUID(), iat: now, exp: now + 60 })
    .setProtectedHeader({ alg: 'ES256', kid })
    .sign(await importPKCS8(privateKeyPem, 'ES256'));
  return app.tokenRequest({ grant_type: JWT_BEARER, assertion });
}

describe('portal', () => {
  it('is served by the service at /portal with a strict CSP and no inline script', async () => {
    const redirect = await app.fetch('/portal', { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/portal/');
    const page = await app.fetch('/portal/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    const script = await app.fetch(`/portal/${/<script type="module" src="([^"]+)"/.exec(html)![1]}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await app.fetch('/portal/contract/urns.js')).status).toBe(200); // the wire names it shares with the server
    expect((await app.fetch('/portal/../package.json')).status).toBe(404);
    // Odd paths are answered, never with a server error or a file from outside the portal.
    for (const path of ['/portal/%2e%2e/%2e%2e/package.json', '/portal/..%2f..%2fpackage.json', '/portal/%00', '/portal/%E0%A4%A', '/portal/nope.js', '/portal/app.js/']) {
      const response = await app.fetch(path);
      expect({ path, status: response.status }).toEqual({ path, status: expect.any(Number) });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(await response.text()).not.toContain('"name": "token-issuer"');
    }
  });

  describe('a company admin (the seed story)', () => {
    let context: BrowserContext;
    let page: Page;
    let requests: string[];
    let created: { clientId: string; kid: string; privateKeyPem: string };

    beforeAll(async () => {
      ({ context, page, requests } = await newPage());
      await page.goto(`${app.baseUrl}/portal/`);
    });
    afterAll(() => context.close());

    it('sends her to the issuer\'s login page, which refuses a wrong password in words', async () => {
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/auth/authorize/login');
      await logIn(page, 'knor@testkraft.test', 'not her password');
      await page.getByRole('alert').getByText('The e-mail or password is wrong.').waitFor();
      expect(await page.getByLabel('Password').inputValue()).toBe('');
      await shot(page, '01-login-refused');
    });

    it('logs her in and lists the parties she may act for', async () => {
      await logIn(page, 'knor@testkraft.test', KARI_PASSWORD);
      await page.getByRole('heading', { name: 'Choose a party' }).waitFor();
      const choices = page.locator('.choices a');
      expect(await choices.allTextContents()).toEqual([expect.stringContaining('Testkraft ORG')]);
      await page.getByText('Logged in as').waitFor();
      // Her tokens live in memory only; the issuer's cookies are HttpOnly and scoped to its authorization endpoint.
      expect(await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie])).toEqual([0, 0, '']);
      const cookies = await context.cookies();
      expect(cookies.map((cookie) => cookie.name).sort()).toEqual(['ti_browser', 'ti_session']);
      expect(cookies.every((cookie) => cookie.httpOnly && cookie.path === '/auth/authorize' && cookie.sameSite === 'Lax')).toBe(true);
      expect(requests.some((request) => request.includes(KARI_PASSWORD) && !request.includes('/auth/authorize/login'))).toBe(false);
      await shot(page, '02-parties');
    });

    it('refuses a party that is not hers, in words', async () => {
      await page.evaluate((id) => (location.hash = `#/assume/${id}`), world.otherParty.id);
      await page.getByRole('alert').getByText('You may not act for this party.').waitFor();
      await page.getByRole('heading', { name: 'Choose a party' }).waitFor();
      expect(page.url()).toMatch(/#\/parties$/);
      await shot(page, '03-party-refused');
    });

    it("assumes the organisation party and shows her company's entity", async () => {
      await page.getByRole('link', { name: /Testkraft ORG/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Testkraft AS' }).waitFor();
      await page.getByText('acting for').waitFor();
      expect(await page.locator('header').textContent()).toContain('Testkraft ORG');
      // The heading has focus after navigation, for keyboard and screen-reader users.
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
      await shot(page, '04-entity');
    });

    it('creates a client with a key pair generated in the browser and offers the private key once', async () => {
      await page.getByLabel('Name', { exact: true }).fill('PC #1');
      await page.getByLabel('Fixed party').selectOption({ label: 'Testkraft SP (service provider)' });
      // Only scopes she holds (and weaker ones on the same assets) are offered.
      const offered = await page.locator('fieldset', { hasText: 'Scopes' }).locator('input[type=checkbox]').evaluateAll((boxes) => boxes.map((box) => (box as HTMLInputElement).value));
      expect(offered).toEqual(['read:auth', 'use:auth', 'manage:auth', 'read:data', 'use:data', 'manage:data']);
      await page.getByLabel('manage:data').check();
      await page.getByRole('button', { name: 'Create client' }).click();
      await page.getByRole('heading', { name: 'Download the private key now' }).waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download private key' }).click()]);
      const privateKeyPem = readFileSync((await download.path())!, 'utf8');
      expect(privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
      const clientId = (await page.getByTestId('client-id').textContent())!;
      await page.getByRole('table', { name: 'Clients of Testkraft AS' }).getByRole('link', { name: 'PC #1' }).waitFor();
      expect(download.suggestedFilename()).toBe(`client-${clientId}.private-key.pem`);
      await shot(page, '05-client-created');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: `${ARTIFACTS}readme.png` }); // the top of the page: the README's picture

      // The private key never left the browser: no request carried it.
      const keyBody = privateKeyPem.split('\n').slice(1, -2).join('');
      expect(requests.some((request) => request.includes(keyBody.slice(0, 40)))).toBe(false);
      const stored = await app.api('GET', `/admin/entity-clients/${clientId}`, operatorToken);
      expect(stored.body).toMatchObject({ name: 'PC #1', scopes: ['manage:data'], party_id: world.sp.id, active: true });
      created = { clientId, kid: stored.body.keys[0].kid, privateKeyPem };

      // "I have saved it" forgets the only copy.
      await page.getByRole('button', { name: 'I have saved the private key' }).click();
      await page.getByText('The private key has been forgotten by this page.').waitFor();
      expect(await page.getByRole('link', { name: 'Download private key' }).count()).toBe(0);
    });

    it('the downloaded private key logs the client in with the JWT-bearer grant', async () => {
      const response = await jwtBearerLogin(created.clientId, created.kid, created.privateKeyPem, `no:party:gln:${world.sp.business_id}`);
      const body = (await response.json()) as { access_token: string };
      expect(response.status).toBe(200);
      expect(decodeJwt(body.access_token)).toMatchObject({ client_id: created.clientId, entity_id: world.testkraft.id, party_id: world.sp.id, role: 'flex_service_provider', scope: 'manage:data' });
    });

    it('creates a client with a pasted public key, after refusing one that is not a key, in words', async () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const form = page.locator('form', { hasText: 'New client' });
      await form.getByLabel('Name', { exact: true }).fill('PC #2');
      await form.getByLabel('read:data').check();
      await form.getByLabel('Paste a public key you made yourself').check();
      await form.getByRole('textbox', { name: 'Public key' }).fill('-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----');
      await form.getByRole('button', { name: 'Create client' }).click();
      await page.getByRole('alert').getByText(/public_key/).waitFor();
      expect((await app.api('GET', `/admin/entity-clients?entity_id=${world.testkraft.id}`, operatorToken)).body.total).toBe(1);

      await form.getByRole('textbox', { name: 'Public key' }).fill(publicKey.export({ type: 'spki', format: 'pem' }) as string);
      await form.getByRole('button', { name: 'Create client' }).click();
      await page.getByRole('heading', { name: 'Client “PC #2” created' }).waitFor();
      // Nothing to download: the private key was never in the browser.
      expect(await page.getByRole('link', { name: 'Download private key' }).count()).toBe(0);
      const clientId = (await page.getByTestId('client-id').textContent())!;
      const stored = await app.api('GET', `/admin/entity-clients/${clientId}`, operatorToken);
      expect(stored.body).toMatchObject({ name: 'PC #2', scopes: ['read:data'], party_id: null });
      const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const response = await jwtBearerLogin(clientId, stored.body.keys[0].kid, privateKeyPem, `no:party:gln:${world.sp.business_id}`);
      expect(response.status).toBe(200);
      expect(decodeJwt(((await response.json()) as { access_token: string }).access_token)).toMatchObject({ party_id: world.sp.id, scope: 'read:data' });
      // The form is back to generating a key for the next client.
      expect(await form.getByLabel(/Generate a key pair/).isChecked()).toBe(true);
      expect(await form.getByRole('textbox', { name: 'Public key' }).isVisible()).toBe(false);
    });

    it('rotates the key: adds a key generated in the browser, then removes the first', async () => {
      await page.getByRole('table', { name: 'Clients of Testkraft AS' }).getByRole('link', { name: 'PC #1' }).click();
      await page.getByRole('heading', { level: 1, name: 'PC #1' }).waitFor();
      await page.getByRole('button', { name: 'Add key' }).click();
      await page.getByRole('heading', { name: 'Download the private key now' }).waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download private key' }).click()]);
      const privateKeyPem = readFileSync((await download.path())!, 'utf8');
      const keys = page.getByRole('table', { name: 'Keys of PC #1' });
      expect(await keys.locator('tbody tr').count()).toBe(2);
      page.once('dialog', (dialog) => void dialog.accept());
      await keys.getByRole('button', { name: `Remove key ${created.kid}` }).click();
      await page.getByRole('status').getByText(`Key ${created.kid} removed.`).waitFor();
      expect(await keys.locator('tbody tr').count()).toBe(1);
      const [remaining] = (await app.api('GET', `/admin/entity-clients/${created.clientId}`, operatorToken)).body.keys;
      expect(remaining.kid).not.toBe(created.kid);

      const sub = `no:party:gln:${world.sp.business_id}`;
      expect((await jwtBearerLogin(created.clientId, created.kid, created.privateKeyPem, sub)).status).toBe(400);
      expect((await jwtBearerLogin(created.clientId, remaining.kid, privateKeyPem, sub)).status).toBe(200);
      created = { ...created, kid: remaining.kid, privateKeyPem };
      await shot(page, '06-client-keys');
    });

    it('deactivates the client, after which its logins are refused', async () => {
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: 'Deactivate client' }).click();
      await page.getByRole('status').getByText('PC #1 is deactivated.').waitFor();
      expect(await page.getByTestId('client-status').textContent()).toBe('Inactive');
      await shot(page, '07-client-deactivated');
      const response = await jwtBearerLogin(created.clientId, created.kid, created.privateKeyPem, `no:party:gln:${world.sp.business_id}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('shows the audit rows of what she did', async () => {
      await page.getByRole('link', { name: 'Audit trail' }).click();
      await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
      const rows = await page.locator('tbody tr').allTextContents();
      expect(rows[0]).toContain('entity_client.deactivate');
      expect(rows[0]).toContain(created.clientId);
      expect(rows[1]).toContain('entity_client_key.remove');
      expect(rows[2]).toContain('entity_client_key.add');
      expect(rows[3]).toContain('entity_client.create'); // PC #2
      expect(rows[4]).toContain('entity_client.create');
      expect(rows[4]).toContain(created.clientId);
      expect(rows[0]).toContain('the portal');
      // A company admin sees her company's changes only.
      expect(rows.every((row) => !row.includes('Annenkraft'))).toBe(true);
      await shot(page, '08-audit');
    });

    it('creates a client with a secret, shows it once with a copy button, and keeps two secrets at most', async () => {
      await page.evaluate((id) => (location.hash = `#/entities/${id}`), world.testkraft.id);
      await page.getByRole('heading', { level: 1, name: 'Testkraft AS' }).waitFor();
      const form = page.locator('form', { hasText: 'New client' });
      await form.getByLabel('Name', { exact: true }).fill('Backend');
      await form.getByLabel('read:data').check();
      await form.getByLabel('Authenticates with').selectOption('client_secret_basic');
      await form.getByLabel(/^JWT-bearer/).uncheck();
      await form.getByLabel(/^client_credentials/).check();
      // No key is asked for: the client will not sign.
      expect(await form.getByRole('group', { name: 'Key' }).isVisible()).toBe(false);
      await form.getByRole('button', { name: 'Create client' }).click();
      await page.getByRole('heading', { name: 'Copy the client secret now' }).waitFor();
      const secret = (await page.getByTestId('client-secret').textContent())!;
      const clientId = (await page.getByTestId('client-id').textContent())!;
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
      await page.getByRole('button', { name: 'Copy the secret' }).click();
      await page.getByRole('button', { name: 'Copied' }).waitFor();
      const basic = `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
      const login = () => app.fetch('/auth/token', { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
      expect((await login()).status).toBe(200);
      await page.getByRole('button', { name: 'I have saved the secret' }).click();
      expect(await page.getByTestId('client-secret').count()).toBe(0);
      await shot(page, '08-secret-created');

      await page.getByRole('link', { name: 'Open the client' }).click();
      const secrets = page.getByRole('table', { name: 'Secrets of Backend' });
      await secrets.waitFor();
      expect(await secrets.locator('tbody tr').count()).toBe(1);
      await page.getByRole('button', { name: 'New secret' }).click();
      await page.getByRole('heading', { name: 'Copy the client secret now' }).waitFor();
      expect(await secrets.locator('tbody tr').count()).toBe(2);
      await page.getByRole('button', { name: 'New secret' }).click();
      await page.getByRole('alert').getByText(/at most 2 secrets/).waitFor();
      const [first] = (await app.api('GET', `/admin/entity-clients/${clientId}/secrets`, operatorToken)).body.secrets;
      page.once('dialog', (dialog) => void dialog.accept());
      await secrets.getByRole('button', { name: `Delete secret ${first.secret_id}` }).click();
      await page.getByRole('status').getByText('The secret is deleted.').waitFor();
      expect((await login()).status).toBe(401);
      await shot(page, '09-secrets');
      await page.evaluate((id) => (location.hash = `#/entities/${id}`), world.testkraft.id);
      await page.getByRole('table', { name: 'Clients of Testkraft AS' }).getByRole('link', { name: 'PC #1' }).click();
      await page.getByRole('heading', { level: 1, name: 'PC #1' }).waitFor();
    });

    it('registers a public app for people to log in to: no secret, no key, its redirect URI', async () => {
      await page.evaluate((id) => (location.hash = `#/entities/${id}`), world.testkraft.id);
      await page.getByRole('heading', { level: 1, name: 'Testkraft AS' }).waitFor();
      const form = page.locator('form', { hasText: 'New client' });
      await form.getByLabel('Name', { exact: true }).fill('Kari\'s budget app');
      await form.getByLabel('read:data').check();
      await form.getByLabel(/^JWT-bearer/).uncheck();
      await form.getByLabel(/^authorization_code/).check();
      await form.getByLabel('Authenticates with').selectOption('none');
      await form.getByLabel('Redirect URIs').fill('https://budget.example/callback\nhttp://127.0.0.1/callback');
      expect(await form.getByRole('group', { name: 'Key' }).isVisible()).toBe(false);
      await form.getByRole('button', { name: 'Create client' }).click();
      await page.getByRole('heading', { name: /Client “Kari's budget app” created/ }).waitFor();
      expect(await page.getByRole('heading', { name: 'Copy the client secret now' }).count()).toBe(0);
      const clientId = (await page.getByTestId('client-id').textContent())!;
      const registered = (await app.api('GET', `/admin/entity-clients/${clientId}`, operatorToken)).body;
      expect(registered).toMatchObject({ token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], redirect_uris: ['https://budget.example/callback', 'http://127.0.0.1/callback'] });
    });

    it('creates a tls_client_auth client with its certificate subject and certificate-bound tokens, and shows both', async () => {
      await page.evaluate((id) => (location.hash = `#/entities/${id}`), world.testkraft.id);
      await page.getByRole('heading', { level: 1, name: 'Testkraft AS' }).waitFor();
      const form = page.locator('form', { hasText: 'New client' });
      await form.getByLabel('Name', { exact: true }).fill('Meter reader');
      await form.getByLabel('read:data').check();
      expect(await form.getByLabel('Certificate subject').isVisible()).toBe(false);
      await form.getByLabel('Authenticates with').selectOption('tls_client_auth');
      await form.getByLabel('Certificate subject').fill('CN=reader,O=Testkraft AS,C=NO');
      await form.getByLabel('Its tokens').selectOption('tls_client_certificate_bound_access_tokens');
      await form.getByLabel(/^JWT-bearer/).uncheck();
      await form.getByLabel(/^client_credentials/).check();
      await form.getByRole('button', { name: 'Create client' }).click();
      await page.getByRole('link', { name: 'Open the client' }).click();
      await page.getByRole('heading', { level: 1, name: 'Meter reader' }).waitFor();
      const facts = await page.locator('dl.facts').textContent();
      expect(facts).toContain('CN=reader,O=Testkraft AS,C=NO');
      expect(facts).toContain('Its TLS certificate');
    });

    it("answers another entity's page with a refusal in words", async () => {
      const other = await app.api('GET', `/admin/parties/${world.otherParty.id}`, operatorToken);
      await page.evaluate((id) => (location.hash = `#/entities/${id}`), other.body.entity_id);
      await page.getByRole('alert').getByText('You are not allowed to do this while acting for this party.').waitFor();
    });

    it('renews on reload through her login at the issuer, without asking for the password', async () => {
      const before = requests.length;
      await page.evaluate((id) => (location.hash = `#/entities/${id}`), world.testkraft.id);
      await page.getByRole('heading', { level: 1, name: 'Testkraft AS' }).waitFor();
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Testkraft AS' }).waitFor();
      expect(await page.locator('header').textContent()).toContain('Testkraft ORG');
      expect(requests.slice(before).some((request) => request.includes('/auth/authorize/login'))).toBe(false);
      expect(problemsOf(page)).toEqual([]);
    });
  });

  it('can be used with the keyboard alone, with a visible focus', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto(`${app.baseUrl}/portal/`);
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      // The issuer's login page starts in its first field.
      expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe('username');
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      expect(outline).toBe('solid');
      await page.keyboard.type('knor@testkraft.test');
      await page.keyboard.press('Tab');
      await page.keyboard.type(KARI_PASSWORD);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Choose a party' }).waitFor();
      // From the focused heading, Tab reaches the party choice and Enter follows it.
      for (let presses = 0; presses < 10 && !(await page.evaluate(() => document.activeElement?.classList.contains('choice'))); presses += 1) await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Testkraft AS' }).waitFor();
      expect(problemsOf(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('renews the party\'s token through her login when it runs out, and ends her login when she logs out', async () => {
    const { context, page } = await newPage();
    try {
      await page.clock.install();
      await page.goto(`${app.baseUrl}/portal/`);
      await logIn(page, 'knor@testkraft.test', KARI_PASSWORD);
      await page.getByRole('heading', { name: 'Choose a party' }).waitFor();
      const exchange = page.waitForResponse((response) => response.url().endsWith('/auth/token') && response.status() === 200);
      await page.getByRole('link', { name: /Testkraft ORG/ }).click();
      const actingToken = ((await (await exchange).json()) as { access_token: string }).access_token;
      await page.getByRole('heading', { level: 1, name: 'Testkraft AS' }).waitFor();

      // Eleven minutes on, the party's token is refused (revoked here, as the server's clock has not moved): a new one comes silently.
      const revoked = await app.fetch('/auth/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: actingToken }).toString() });
      expect(revoked.status).toBe(200);
      await page.clock.fastForward('11:00');
      const renewal = page.waitForResponse((response) => response.url().endsWith('/auth/token') && response.status() === 200);
      await page.getByRole('link', { name: 'Audit trail' }).click();
      const renewedToken = ((await (await renewal).json()) as { access_token: string }).access_token;
      await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();
      expect(renewedToken).not.toBe(actingToken);

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('status').getByText('You have logged out.').waitFor();
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      expect((await app.api('GET', '/auth/userinfo', renewedToken)).status).toBe(401);
      // Her login at the issuer has ended: the next visit asks for the password.
      await page.getByRole('button', { name: 'Log in' }).click();
      expect(new URL(page.url()).pathname).toBe('/auth/authorize/login');
      expect(problemsOf(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('lets the operator see every entity and create entities, parties and memberships', async () => {
    const { context, page } = await newPage();
    try {
      await operatorLogIn(page);
      const names = await page.locator('tbody tr td:first-child').allTextContents();
      expect(names).toEqual(expect.arrayContaining(['Testkraft AS', 'Annenkraft AS', 'Kari Nordmann', 'Ola Operatør']));

      await fillIdentity(page.locator('form', { hasText: 'New entity' }), 'Nyco AS', 'organisation', '112233445', 'org');
      await page.getByRole('button', { name: 'Create entity' }).click();
      await page.getByRole('status').getByText(/Entity Nyco AS created/).waitFor();
      await page.getByRole('link', { name: 'Nyco AS' }).click();
      await page.getByRole('heading', { level: 1, name: 'Nyco AS' }).waitFor();

      await fillIdentity(page.locator('form', { hasText: 'New party' }), 'Nyco ORG', 'organisation', '112233445', 'org');
      await page.getByRole('button', { name: 'Create party' }).click();
      await page.getByRole('status').getByText(/Party Nyco ORG created/).waitFor();
      const nycoOrg = (await app.api('GET', '/admin/parties?per_page=200', operatorToken)).body.items.find((party: { name: string }) => party.name === 'Nyco ORG');
      expect(nycoOrg).toMatchObject({ type: 'organisation', business_id: '112233445', status: 'active' });

      // A bad membership is refused in words and writes nothing.
      const membershipForm = page.locator('form', { hasText: 'New membership' });
      await membershipForm.getByLabel('Party ID').fill(String(world.sp.id));
      await membershipForm.getByLabel('Scopes').fill('launch:rockets');
      await membershipForm.getByRole('button', { name: 'Add membership' }).click();
      await page.getByRole('alert').getByText(/scopes/).waitFor();
      await membershipForm.getByLabel('Scopes').fill('read:data');
      await membershipForm.getByRole('button', { name: 'Add membership' }).click();
      await page.getByRole('status').getByText(/may now act for party/).waitFor();
      const memberships = await app.api('GET', `/admin/party-memberships?party_id=${world.sp.id}`, operatorToken);
      expect(memberships.body.items).toEqual([expect.objectContaining({ party_id: world.sp.id, scopes: ['read:data'] })]);
      await shot(page, '09-operator-entity');
      expect(problemsOf(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('renders every value as text, never as markup', async () => {
    const hostile = '<img src=x onerror="window.pwned=1">';
    await app.adminCreate('/admin/entities', { name: hostile, type: 'organisation', business_id: '998877665', business_id_type: 'org' });
    const { context, page } = await newPage();
    try {
      await operatorLogIn(page);
      await page.getByRole('link', { name: hostile }).waitFor();
      expect(await page.locator('main img').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    } finally {
      await context.close();
    }
  });
});
