import { X509Certificate } from 'node:crypto';
import * as client from 'openid-client';
import { certificateThumbprint } from '../../src/crypto/client-certificate.js';
import { decodeJwt, PUBLIC_URL, signAssertion, TestApp } from '../support/test-app.js';
import { TestPki } from '../support/test-pki.js';
import { tlsFetch, type TlsIdentity } from '../support/tls-fetch.js';

/** The service's metadata as the library reads it, its URLs the public ones (https://issuer.test). */
async function serverMetadata(fetchJson: () => Promise<Response>): Promise<client.ServerMetadata> {
  const metadata = (await (await fetchJson()).json()) as client.ServerMetadata;
  expect(metadata.issuer).toBe(PUBLIC_URL);
  return metadata;
}

/** openid-client 6, unchanged, against the service: a DPoP-bound token (with the server's nonces), and a certificate-bound one over mTLS. */
describe('openid-client and sender-constrained tokens', () => {
  it('gets a DPoP-bound client_credentials token, retrying with the server nonce, and uses it at userinfo', async () => {
    const app = await TestApp.start({ env: { DPOP_NONCE: 'true' } });
    try {
      const company = (await app.adminCreate('/admin/entities', { name: 'Library DPoP AS', type: 'organisation', business_id: '919191919', business_id_type: 'org' })).id;
      const made = await app.adminCreate('/admin/entity-clients', { entity_id: company, name: 'spa', scopes: ['read:data'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], dpop_bound_access_tokens: true });
      const config = new client.Configuration(await serverMetadata(() => app.fetch('/.well-known/oauth-authorization-server')), made.client_id, {}, client.ClientSecretBasic(made.client_secret));
      // The library calls the public URLs (and makes its proofs for them); they reach the service on loopback.
      const seen: string[] = [];
      config[client.customFetch] = (url, options) => {
        seen.push(`${options.method} ${new URL(url).pathname} ${options.headers.dpop === undefined ? '' : 'with proof'}`);
        return fetch(url.replace(PUBLIC_URL, app.baseUrl), options as RequestInit);
      };
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));

      const tokens = await client.clientCredentialsGrant(config, { scope: 'read:data' }, { DPoP });
      expect(tokens.token_type).toBe('dpop');
      expect(decodeJwt(tokens.access_token).cnf.jkt).toEqual(expect.any(String));
      const userinfo = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${PUBLIC_URL}/auth/userinfo`), 'GET', undefined, undefined, { DPoP });
      expect(userinfo.status).toBe(200);
      expect(await userinfo.json()).toMatchObject({ entity_id: company });
      // The first token request met use_dpop_nonce and was retried with the nonce; the resource then had it already.
      expect(seen).toEqual(['POST /auth/token with proof', 'POST /auth/token with proof', 'GET /auth/userinfo with proof']);
    } finally {
      await app.close();
    }
  });

  it('gets a certificate-bound token with tls_client_auth over mutual TLS, and uses it over the same certificate', async () => {
    const pki = new TestPki();
    const serverCa = pki.ca('/CN=Library Server CA');
    const server = serverCa.issue('/CN=issuer.test', { extensions: ['subjectAltName=DNS:issuer.test,IP:127.0.0.1'] });
    const clientCa = pki.ca('/CN=Library Client CA');
    const certificate = clientCa.issue('/O=Library AS/CN=library client');
    const app = await TestApp.start({ env: { TLS_CERT_FILE: server.certFile, TLS_KEY_FILE: server.keyFile, TLS_CLIENT_CA_FILE: clientCa.certFile } });
    try {
      const identity: TlsIdentity = { ca: serverCa.cert, cert: certificate.cert, key: certificate.key };
      const over = (url: string, init: RequestInit = {}) => tlsFetch(url.replace(PUBLIC_URL, app.baseUrl), init as never, identity);
      const operator = (await (await over(`${PUBLIC_URL}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await signAssertion(app.operator) }).toString() })).json()).access_token;
      const admin = async (path: string, body: object) => (await over(`${PUBLIC_URL}${path}`, { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
      const company = (await admin('/admin/entities', { name: 'Library AS', type: 'organisation', business_id: '919191927', business_id_type: 'org' })).id;
      const made = await admin('/admin/entity-clients', {
        entity_id: company, name: 'mtls', scopes: ['read:data'], grant_types: ['client_credentials'], token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=library client,O=Library AS', tls_client_certificate_bound_access_tokens: true,
      });

      const config = new client.Configuration(await serverMetadata(() => over(`${PUBLIC_URL}/.well-known/oauth-authorization-server`)), made.client_id, {}, client.TlsClientAuth());
      config[client.customFetch] = (url, options) => over(url, options as RequestInit);
      const tokens = await client.clientCredentialsGrant(config, { scope: 'read:data' });
      expect(tokens.token_type).toBe('bearer');
      expect(decodeJwt(tokens.access_token).cnf).toEqual({ 'x5t#S256': certificateThumbprint(new X509Certificate(certificate.cert)) });
      const userinfo = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${PUBLIC_URL}/auth/userinfo`), 'GET');
      expect(userinfo.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
