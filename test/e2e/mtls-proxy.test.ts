import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { request } from 'node:http';
import { certificateThumbprint } from '../../src/crypto/client-certificate.js';
import { createDpopProof } from '../../src/crypto/dpop-proof.js';
import { decodeJwt, TestApp } from '../support/test-app.js';
import { type Issued, TestPki } from '../support/test-pki.js';

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: any };
const MTLS_PUBLIC_URL = 'https://mtls.issuer.test';

/** Behind a TLS-terminating proxy (RFC 9440): the Client-Cert header believed from TRUSTED_PROXIES only. */
describe('mutual TLS behind a proxy (Client-Cert)', () => {
  const pki = new TestPki();
  const clientCa = pki.ca('/CN=Proxy Client CA');
  const pc1 = clientCa.issue('/C=NO/O=Testkraft AS/CN=pc1');
  let app: TestApp;
  let port: number;
  let clientId: string;

  const sfBinary = (pem: string) => `:${new X509Certificate(pem).raw.toString('base64')}:`;
  /** A request from `from` (127.0.0.1 is the trusted proxy; any other loopback address is a client connecting directly). */
  function send(path: string, options: { from?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const sent = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', localAddress: options.from ?? '127.0.0.1', headers: options.headers }, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) }));
      });
      sent.on('error', reject);
      sent.end(options.body);
    });
  }
  const tokenRequest = (headers: Record<string, string>, from?: string) =>
    send('/auth/token', { from, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: `grant_type=client_credentials&client_id=${clientId}` });
  const withCertificate = (issued: Issued, chain?: Issued) => ({ 'client-cert': sfBinary(issued.cert), ...(chain === undefined ? {} : { 'client-cert-chain': sfBinary(chain.cert) }) });

  beforeAll(async () => {
    app = await TestApp.start({ env: { TRUSTED_PROXIES: '127.0.0.1/32', TLS_CLIENT_CA_FILE: clientCa.certFile, MTLS_PUBLIC_URL, LOGIN_THROTTLE_MAX_FAILURES: '1000' } });
    port = Number(new URL(app.baseUrl).port);
    const company = (await app.adminCreate('/admin/entities', { name: 'Proxied AS', type: 'organisation', business_id: '918181818', business_id_type: 'org' })).id;
    clientId = (await app.adminCreate('/admin/entity-clients', {
      entity_id: company, name: 'pc1', scopes: ['read:data'], grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=pc1,O=Testkraft AS,C=NO', tls_client_certificate_bound_access_tokens: true,
    })).client_id;
  });
  afterAll(() => app.close());

  it('believes the trusted proxy: authenticates by the forwarded certificate and binds the token to it', async () => {
    const issued = await tokenRequest(withCertificate(pc1));
    expect(issued.status).toBe(200);
    const token = issued.body.access_token;
    expect(decodeJwt(token).cnf).toEqual({ 'x5t#S256': certificateThumbprint(new X509Certificate(pc1.cert)) });
    expect((await send('/auth/userinfo', { headers: { authorization: `Bearer ${token}`, ...withCertificate(pc1) } })).status).toBe(200);
    const other = clientCa.issue('/C=NO/O=Testkraft AS/CN=pc1');
    expect((await send('/auth/userinfo', { headers: { authorization: `Bearer ${token}`, ...withCertificate(other) } })).body.error).toBe('invalid_token');
    expect((await send('/auth/userinfo', { headers: { authorization: `Bearer ${token}` } })).body.error).toBe('invalid_token');
  });

  it('takes the intermediates from Client-Cert-Chain', async () => {
    const issuing = clientCa.intermediate('/CN=Proxy Issuing CA');
    const leaf = issuing.issue('/C=NO/O=Testkraft AS/CN=pc1');
    expect((await tokenRequest(withCertificate(leaf, issuing))).status).toBe(200);
    expect((await tokenRequest(withCertificate(leaf))).status).toBe(401);
  });

  it('ignores Client-Cert from an address that is not a trusted proxy', async () => {
    const direct = await tokenRequest(withCertificate(pc1), '127.0.0.2');
    expect(direct.status).toBe(401);
    expect(direct.body.error).toBe('invalid_client');
    const token = (await tokenRequest(withCertificate(pc1))).body.access_token;
    const refused = await send('/auth/userinfo', { from: '127.0.0.2', headers: { authorization: `Bearer ${token}`, ...withCertificate(pc1) } });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_token');
  });

  it('takes a malformed Client-Cert as no certificate, never a 5xx', async () => {
    for (const value of ['garbage', ':bm90IGEgY2VydA==:', `${sfBinary(pc1.cert)}, ${sfBinary(pc1.cert)}`, ':'.repeat(5000)]) {
      const refused = await tokenRequest({ 'client-cert': value });
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_client');
    }
  });

  it('publishes the mTLS host as mtls_endpoint_aliases, where DPoP proofs may name it too', async () => {
    const metadata = (await send('/.well-known/oauth-authorization-server')).body;
    expect(metadata.mtls_endpoint_aliases).toEqual({
      token_endpoint: `${MTLS_PUBLIC_URL}/auth/token`, userinfo_endpoint: `${MTLS_PUBLIC_URL}/auth/userinfo`,
      introspection_endpoint: `${MTLS_PUBLIC_URL}/auth/introspect`, revocation_endpoint: `${MTLS_PUBLIC_URL}/auth/revoke`,
    });
    expect(metadata.token_endpoint_auth_methods_supported).toContain('tls_client_auth');
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const issued = await tokenRequest({ ...withCertificate(pc1), dpop: createDpopProof(key, { method: 'POST', url: `${MTLS_PUBLIC_URL}/auth/token` }) });
    expect(issued.status).toBe(200);
    expect(issued.body.token_type).toBe('DPoP');
    expect(Object.keys(decodeJwt(issued.body.access_token).cnf).sort()).toEqual(['jkt', 'x5t#S256']);
  });
});
