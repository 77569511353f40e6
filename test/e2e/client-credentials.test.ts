import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { decodeJwt, PUBLIC_URL, TestApp, TOKEN_AUDIENCE } from '../support/test-app.js';

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
type Answer = { status: number; headers: Headers; body: any };

/** Client authentication (client_secret_basic, client_secret_post, private_key_jwt) and the client_credentials grant. */
describe('client authentication and grant_type=client_credentials', () => {
  let app: TestApp;
  let company: number;
  let sp: number;
  let basic: { id: string; secret: string };
  let post: { id: string; secret: string };
  let signer: { id: string; key: KeyObject; kid: string };

  const basicHeader = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  /** Each test calls from an address of its own, so that failures counted in one do not lock out the next. */
  let address = '';
  let tests = 0;
  beforeEach(() => {
    tests += 1;
    address = `203.0.113.${tests}`;
  });
  async function token(form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await app.fetch('/auth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': address, ...headers }, body: new URLSearchParams(form).toString() });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  }
  const clientCredentials = (headers: Record<string, string> = {}, form: Record<string, string> = {}) => token({ grant_type: 'client_credentials', ...form }, headers);
  async function client(body: Record<string, unknown>): Promise<Record<string, any>> {
    return app.adminCreate('/admin/entity-clients', { entity_id: company, name: 'cc client', scopes: ['read:data'], ...body });
  }
  function clientAssertion(claims: Record<string, unknown> = {}, key = signer.key): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = { iss: signer.id, sub: signer.id, aud: PUBLIC_URL, jti: randomUUID(), iat: now, exp: now + 60, ...claims };
    return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: signer.kid }).sign(key);
  }
  const expectInvalidClient = (answer: Answer, basicChallenge: boolean) => {
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 401, error: 'invalid_client' });
    expect(answer.headers.get('www-authenticate')).toBe(basicChallenge ? 'Basic realm="token-issuer", charset="UTF-8"' : null);
  };

  beforeAll(async () => {
    app = await TestApp.start({ env: { TRUST_PROXY: '1', LOGIN_THROTTLE_MAX_FAILURES: '5' } });
    company = (await app.adminCreate('/admin/entities', { name: 'Secret AS', type: 'organisation', business_id: '912121212', business_id_type: 'org' })).id;
    sp = (await app.adminCreate('/admin/parties', { entity_id: company, name: 'Secret SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' })).id;
    const b = await client({ token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], party_id: sp });
    basic = { id: b.client_id, secret: b.client_secret };
    const p = await client({ token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials'] });
    post = { id: p.client_id, secret: p.client_secret };
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const s = await client({ token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], public_key: keys.publicKey.export({ type: 'spki', format: 'pem' }) });
    signer = { id: s.client_id, key: keys.privateKey, kid: s.keys[0].kid };
  });
  afterAll(() => app.close());

  it('issues a client_secret_basic client its token for its fixed party', async () => {
    expect(basic.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const answer = await clientCredentials({ authorization: basicHeader(basic.id, basic.secret) });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'Bearer', scope: 'read:data', issued_token_type: 'urn:ietf:params:oauth:token-type:jwt' });
    expect(decodeJwt(answer.body.access_token)).toMatchObject({ client_id: basic.id, party_id: sp, role: 'flex_service_provider', scope: 'read:data' });
    // Narrower on request, and never wider.
    expect((await clientCredentials({ authorization: basicHeader(basic.id, basic.secret) }, { scope: 'read:data:party' })).body.scope).toBe('read:data:party');
    expect((await clientCredentials({ authorization: basicHeader(basic.id, basic.secret) }, { scope: 'manage:data' })).body.error).toBe('invalid_scope');
  });

  it('form-decodes the id and the secret of Basic credentials (RFC 6749 §2.3.1)', async () => {
    const encodedId = basic.id.replace(/-/g, '%2D');
    const encodedSecret = [...basic.secret].map((character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`).join('');
    expect((await clientCredentials({ authorization: basicHeader(encodedId, encodedSecret) })).status).toBe(200);
  });

  it('takes client_secret_post from the form, and a client assertion (private_key_jwt) once', async () => {
    const posted = await clientCredentials({}, { client_id: post.id, client_secret: post.secret });
    expect({ status: posted.status, client: decodeJwt(posted.body.access_token).client_id }).toEqual({ status: 200, client: post.id });
    const assertion = await clientAssertion();
    const signed = await clientCredentials({}, { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
    expect(signed.status).toBe(200);
    expect(decodeJwt(signed.body.access_token)).toMatchObject({ client_id: signer.id, scope: 'read:data' });
    expectInvalidClient(await clientCredentials({}, { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }), false);
    for (const claims of [{ aud: 'https://elsewhere.test' }, { sub: randomUUID() }, { exp: Math.floor(Date.now() / 1000) - 60 }]) {
      expectInvalidClient(await clientCredentials({}, { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await clientAssertion(claims) }), false);
    }
    // The token endpoint's own URL is an accepted audience too.
    expect((await clientCredentials({}, { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await clientAssertion({ aud: TOKEN_AUDIENCE }) })).status).toBe(200);
  });

  it('refuses a client that uses another method than its registered one, with one answer', async () => {
    expectInvalidClient(await clientCredentials({}, { client_id: basic.id, client_secret: basic.secret }), false);
    expectInvalidClient(await clientCredentials({ authorization: basicHeader(post.id, post.secret) }), true);
    expectInvalidClient(await clientCredentials({ authorization: basicHeader(signer.id, 'a secret for a private_key_jwt client') }), true);
    expectInvalidClient(await clientCredentials({ authorization: basicHeader(randomUUID(), basic.secret) }, { }), true);
    expectInvalidClient(await clientCredentials({}, { client_id: basic.id }), false); // none, for a confidential client
  });

  it('refuses two methods in one request, and client_credentials without any client authentication', async () => {
    const both = await clientCredentials({ authorization: basicHeader(basic.id, basic.secret) }, { client_id: basic.id, client_secret: basic.secret });
    expect({ status: both.status, error: both.body.error }).toEqual({ status: 400, error: 'invalid_request' });
    const mixed = await clientCredentials({}, { client_id: post.id, client_secret: post.secret, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await clientAssertion() });
    expect(mixed.body.error).toBe('invalid_request');
    expectInvalidClient(await clientCredentials(), false);
  });

  it('refuses malformed Basic credentials: not UTF-8, an unencoded colon in the id, not base64', async () => {
    const raw = (bytes: Buffer) => `Basic ${bytes.toString('base64')}`;
    expectInvalidClient(await clientCredentials({ authorization: raw(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`:${basic.secret}`)])) }), true);
    expectInvalidClient(await clientCredentials({ authorization: basicHeader(`x:${basic.id}`, basic.secret) }), true);
    expectInvalidClient(await clientCredentials({ authorization: 'Basic !!!not-base64' }), true);
    expectInvalidClient(await clientCredentials({ authorization: basicHeader(basic.id, `${basic.secret}%zz`) }), true);
  });

  it('refuses an over-long secret quickly, and a 1 MB one before it is read', async () => {
    expectInvalidClient(await clientCredentials({}, { client_id: post.id, client_secret: 'x'.repeat(60_000) }), false);
    const huge = await clientCredentials({}, { client_id: post.id, client_secret: 'x'.repeat(1024 * 1024) });
    expect({ status: huge.status, error: huge.body.error }).toEqual({ status: 413, error: 'invalid_request' });
  });

  it('refuses a deleted secret at once, and a client without the grant as unauthorized_client', async () => {
    const made = await client({ token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
    const operator = await app.accessToken(app.operator);
    expect((await clientCredentials({ authorization: basicHeader(made.client_id, made.client_secret) })).status).toBe(200);
    expect((await app.api('DELETE', `/admin/entity-clients/${made.client_id}/secrets/${made.secret_id}`, operator)).status).toBe(204);
    expectInvalidClient(await clientCredentials({ authorization: basicHeader(made.client_id, made.client_secret) }), true);

    const passwordOnly = await client({ token_endpoint_auth_method: 'client_secret_basic', grant_types: ['password'] });
    const refused = await clientCredentials({ authorization: basicHeader(passwordOnly.client_id, passwordOnly.client_secret) });
    expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 400, error: 'unauthorized_client' });
  });

  it('locks out an address that keeps failing for a client, not the client everywhere', async () => {
    const made = await client({ token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
    const from = (address: string, secret: string) => clientCredentials({ authorization: basicHeader(made.client_id, secret), 'x-forwarded-for': address });
    for (let i = 0; i < 5; i++) expectInvalidClient(await from('198.51.100.7', 'wrong'), true);
    const locked = await from('198.51.100.7', made.client_secret);
    expect({ status: locked.status, error: locked.body.error }).toEqual({ status: 429, error: 'invalid_client' });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await from('198.51.100.8', made.client_secret)).status).toBe(200);
    expect(await app.query("SELECT count(*)::int AS n FROM login_throttles WHERE key LIKE 'client:%198.51.100.7'")).toEqual([{ n: 1 }]);
  });

  it('stores nothing for a refused request but the failure count: no jti of a refused client assertion', async () => {
    const jti = `refused-${randomUUID()}`;
    expectInvalidClient(await clientCredentials({}, { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await clientAssertion({ jti, aud: 'https://elsewhere.test' }) }), false);
    expect(await app.query('SELECT 1 FROM used_assertions WHERE jti = $1', [jti])).toEqual([]);
  });

  it('is advertised in the metadata', async () => {
    const metadata = (await app.api('GET', '/.well-known/oauth-authorization-server')).body;
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['client_credentials', 'password', 'urn:ietf:params:oauth:grant-type:jwt-bearer']));
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']));
    expect(metadata.token_endpoint_auth_signing_alg_values_supported).toEqual(['RS256', 'PS256', 'ES256', 'EdDSA']);
  });
});
