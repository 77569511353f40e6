import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { certificateThumbprint } from '../../src/crypto/client-certificate.js';
import { decodeJwt, PUBLIC_URL, signAssertion, TestApp } from '../support/test-app.js';
import { type Issued, TestPki } from '../support/test-pki.js';
import { tlsFetch, type TlsIdentity } from '../support/tls-fetch.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
type Answer = { status: number; headers: Headers; body: any };

/** Mutual TLS (RFC 8705) on the service's own HTTPS listener: certificates made here with openssl, real handshakes. */
describe('mutual TLS: the listener, client authentication and certificate-bound tokens', () => {
  const pki = new TestPki();
  const serverCa = pki.ca('/CN=Test Server CA');
  const server = serverCa.issue('/CN=issuer.test', { extensions: ['subjectAltName=DNS:issuer.test,IP:127.0.0.1', 'extendedKeyUsage=serverAuth'] });
  const clientCa = pki.ca('/CN=Test Client CA');
  const pc1 = clientCa.issue('/C=NO/O=Testkraft AS/CN=pc1');
  let app: TestApp;
  let company: number;
  let sp: number;
  /** tls_client_auth, subject CN=pc1,O=Testkraft AS,C=NO, certificate-bound tokens. */
  let pkiClient: string;

  const as = (issued?: Pick<Issued, 'cert' | 'key'>, extra: Partial<TlsIdentity> = {}): TlsIdentity => ({ ca: serverCa.cert, ...(issued === undefined ? {} : { cert: issued.cert, key: issued.key }), ...extra });
  async function answer(response: Response): Promise<Answer> {
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  }
  async function tokenRequest(identity: TlsIdentity, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    return answer(await tlsFetch(`${app.baseUrl}/auth/token`, { method: 'POST', headers: { ...FORM, ...headers }, body: new URLSearchParams(form).toString() }, identity));
  }
  async function get(path: string, identity: TlsIdentity, token?: string, headers: Record<string, string> = {}): Promise<Answer> {
    return answer(await tlsFetch(`${app.baseUrl}${path}`, { headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers } }, identity));
  }
  const thumbprintOf = (issued: Issued) => certificateThumbprint(new X509Certificate(issued.cert));

  beforeAll(async () => {
    app = await TestApp.start({ env: { TLS_CERT_FILE: server.certFile, TLS_KEY_FILE: server.keyFile, TLS_CLIENT_CA_FILE: clientCa.certFile, LOGIN_THROTTLE_MAX_FAILURES: '1000', LOGIN_THROTTLE_ADDRESS_MAX_FAILURES: '1000' } });
    company = (await adminCreate('/admin/entities', { name: 'Testkraft AS', type: 'organisation', business_id: '917171718', business_id_type: 'org' })).id;
    sp = (await adminCreate('/admin/parties', { entity_id: company, name: 'Testkraft SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' })).id;
    pkiClient = (await adminCreate('/admin/entity-clients', {
      entity_id: company, name: 'pc1', scopes: ['read:data'], party_id: sp, grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=pc1,O=Testkraft AS,C=NO', tls_client_certificate_bound_access_tokens: true,
    })).client_id;
  });
  afterAll(() => app.close());

  /** The admin API over the listener (TestApp's own helpers speak plain fetch, which cannot trust our test CA). */
  let operatorToken: string | undefined;
  async function adminCreate(path: string, body: Record<string, unknown>): Promise<Record<string, any>> {
    if (operatorToken === undefined) {
      const login = await tokenRequest(as(), { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await signAssertion(app.operator) });
      operatorToken = login.body.access_token;
    }
    const created = await answer(await tlsFetch(`${app.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }, as()));
    if (created.status !== 201) throw new Error(`POST ${path} answered ${created.status}: ${JSON.stringify(created.body)}`);
    return created.body;
  }

  it('serves HTTPS with TLS 1.2 and up, to clients without a certificate too, and publishes the mTLS methods', async () => {
    const plain = await tlsFetch(`${app.baseUrl}/.well-known/oauth-authorization-server`, {}, as());
    expect(plain.status).toBe(200);
    expect(plain.protocol).toBe('TLSv1.3');
    expect((await tlsFetch(`${app.baseUrl}/health/live`, {}, as(undefined, { maxVersion: 'TLSv1.2' }))).protocol).toBe('TLSv1.2');
    await expect(tlsFetch(`${app.baseUrl}/health/live`, {}, as(undefined, { maxVersion: 'TLSv1.1' }))).rejects.toThrow(/protocol|version|alert/i);
    const metadata = await plain.json();
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['tls_client_auth', 'self_signed_tls_client_auth']));
    expect(metadata.tls_client_certificate_bound_access_tokens).toBe(true);
    expect(metadata.mtls_endpoint_aliases).toBeUndefined(); // one listener serves both kinds of client
    expect(metadata.issuer).toBe(PUBLIC_URL);
  });

  it('authenticates tls_client_auth by chain and subject, and binds the token to that certificate (cnf.x5t#S256)', async () => {
    const issued = await tokenRequest(as(pc1), { grant_type: 'client_credentials', client_id: pkiClient });
    expect(issued.status).toBe(200);
    expect(issued.body.token_type).toBe('Bearer');
    const token = issued.body.access_token;
    expect(decodeJwt(token).cnf).toEqual({ 'x5t#S256': thumbprintOf(pc1) });

    expect((await get('/auth/userinfo', as(pc1), token)).status).toBe(200);
    expect((await get(`/data/party/${sp}`, as(pc1), token)).body).toMatchObject({ id: sp });
    // Another certificate of the same CA and subject family, or none: the token is useless (RFC 8705 §3).
    for (const identity of [as(clientCa.issue('/C=NO/O=Testkraft AS/CN=pc2')), as()]) {
      const refused = await get('/auth/userinfo', identity, token);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_token');
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer realm="token-issuer", error="invalid_token"/);
    }
    // A Client-Cert header from a client (no proxy is trusted here) stands for nothing.
    const header = `:${new X509Certificate(pc1.cert).raw.toString('base64')}:`;
    expect((await get('/auth/userinfo', as(), token, { 'client-cert': header })).status).toBe(401);
    expect((await tokenRequest(as(), { grant_type: 'client_credentials', client_id: pkiClient }, { 'client-cert': header })).status).toBe(401);
  });

  it('accepts a certificate from an intermediate CA the client sends along', async () => {
    const issuing = clientCa.intermediate('/CN=Test Issuing CA');
    const leaf = issuing.issue('/C=NO/O=Testkraft AS/CN=pc1');
    const issued = await tokenRequest(as({ cert: `${leaf.cert}${issuing.cert}`, key: leaf.key }), { grant_type: 'client_credentials', client_id: pkiClient });
    expect(issued.status).toBe(200);
    expect(decodeJwt(issued.body.access_token).cnf).toEqual({ 'x5t#S256': thumbprintOf(leaf) });
    // Without the intermediate it does not chain.
    expect((await tokenRequest(as(leaf), { grant_type: 'client_credentials', client_id: pkiClient })).status).toBe(401);
  });

  it.each([
    ['another subject', () => clientCa.issue('/C=NO/O=Testkraft AS/CN=pc2')],
    ['the subject from another CA', () => pki.ca('/CN=Rogue CA').issue('/C=NO/O=Testkraft AS/CN=pc1')],
    ['an expired certificate', () => clientCa.issue('/C=NO/O=Testkraft AS/CN=pc1', { days: -1 })],
    ['a server-only certificate', () => clientCa.issue('/C=NO/O=Testkraft AS/CN=pc1', { extensions: ['extendedKeyUsage=serverAuth'] })],
    ['a self-signed one with the subject', () => pki.selfSigned('/C=NO/O=Testkraft AS/CN=pc1')],
    ['no certificate', () => undefined],
  ])('refuses tls_client_auth with %s: 401 invalid_client', async (_case, made) => {
    const refused = await tokenRequest(as(made()), { grant_type: 'client_credentials', client_id: pkiClient });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
  });

  it("authenticates self_signed_tls_client_auth by the certificate's key, refusing a key that is not registered or an expired certificate", async () => {
    const own = pki.selfSigned('/CN=my own');
    const client = (await adminCreate('/admin/entity-clients', {
      entity_id: company, name: 'self-signed', scopes: ['read:data'], grant_types: ['client_credentials'], token_endpoint_auth_method: 'self_signed_tls_client_auth',
      public_key: createPublicKey(own.key).export({ type: 'spki', format: 'pem' }), tls_client_certificate_bound_access_tokens: true,
    })).client_id;
    const issued = await tokenRequest(as(own), { grant_type: 'client_credentials', client_id: client });
    expect(issued.status).toBe(200);
    expect(decodeJwt(issued.body.access_token).cnf).toEqual({ 'x5t#S256': thumbprintOf(own) });
    for (const other of [pki.selfSigned('/CN=my own'), pc1]) {
      expect((await tokenRequest(as(other), { grant_type: 'client_credentials', client_id: client })).body.error).toBe('invalid_client');
    }
    const expiredSameKey = pki.selfSigned('/CN=old', { days: -1 });
    const stale = (await adminCreate('/admin/entity-clients', {
      entity_id: company, name: 'stale', scopes: ['read:data'], grant_types: ['client_credentials'], token_endpoint_auth_method: 'self_signed_tls_client_auth',
      public_key: createPublicKey(expiredSameKey.key).export({ type: 'spki', format: 'pem' }),
    })).client_id;
    expect((await tokenRequest(as(expiredSameKey), { grant_type: 'client_credentials', client_id: stale })).body.error).toBe('invalid_client');
  });

  it('binds the tokens of a private_key_jwt client to whatever certificate it connects with, and refuses it without one', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const made = await adminCreate('/admin/entity-clients', {
      entity_id: company, name: 'jwt over mtls', scopes: ['read:data'], party_id: sp, grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
      public_key: publicKey.export({ type: 'spki', format: 'pem' }), tls_client_certificate_bound_access_tokens: true,
    });
    const client = { clientId: made.client_id, privateKey, alg: 'ES256' as const, kid: made.keys[0].kid };
    const login = async (identity: TlsIdentity) => tokenRequest(identity, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await signAssertion(client) });
    const selfMade = pki.selfSigned('/CN=anything');
    const issued = await login(as(selfMade));
    expect(decodeJwt(issued.body.access_token).cnf).toEqual({ 'x5t#S256': thumbprintOf(selfMade) });
    expect((await get('/auth/userinfo', as(selfMade), issued.body.access_token)).status).toBe(200);
    const without = await login(as());
    expect(without.status).toBe(400);
    expect(without.body).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/TLS client certificate/) });
  });

  it('lets a tls_client_auth client introspect (seeing cnf) and revoke by its certificate', async () => {
    const pc3 = clientCa.issue('/C=NO/O=Testkraft AS/CN=pc3');
    const introspector = (await adminCreate('/admin/entity-clients', {
      entity_id: company, name: 'pc3', scopes: ['use:auth:introspect', 'read:data'], grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=pc3,O=Testkraft AS,C=NO',
    })).client_id;
    const bound = (await tokenRequest(as(pc1), { grant_type: 'client_credentials', client_id: pkiClient })).body.access_token;
    const post = (path: string, identity: TlsIdentity, fields: Record<string, string>) =>
      tlsFetch(`${app.baseUrl}${path}`, { method: 'POST', headers: FORM, body: new URLSearchParams(fields).toString() }, identity).then(answer);
    const described = await post('/auth/introspect', as(pc3), { token: bound, client_id: introspector });
    expect(described.body).toMatchObject({ active: true, token_type: 'Bearer', cnf: { 'x5t#S256': thumbprintOf(pc1) } });
    expect((await post('/auth/introspect', as(pc1), { token: bound, client_id: introspector })).status).toBe(401);

    const own = (await tokenRequest(as(pc3), { grant_type: 'client_credentials', client_id: introspector })).body.access_token;
    expect((await post('/auth/revoke', as(pc3), { token: own, client_id: introspector })).status).toBe(200);
    expect((await post('/auth/introspect', as(pc3), { token: own, client_id: introspector })).body).toEqual({ active: false });
  });

  it('checks the subject DN when a client is registered', async () => {
    const refused = await answer(await tlsFetch(`${app.baseUrl}/admin/entity-clients`, {
      method: 'POST', headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ entity_id: company, name: 'bad dn', scopes: ['read:data'], grant_types: ['client_credentials'], token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=a;O=b' }),
    }, as()));
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([{ field: 'tls_client_auth_subject_dn', messages: [expect.stringMatching(/RFC 4514/)] }]);
  });
});
