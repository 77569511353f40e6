import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { promisify } from 'node:util';
import { Controller, Get, Module, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { mtlsFetch, tokenMiddleware, TokenSession, TokenVerifier, type VerifiedToken } from '@token-issuer/sdk';
import { TokenGuard } from '@token-issuer/sdk/nest';
import { certificateThumbprint } from '../../src/crypto/client-certificate.js';
import { freePort } from '../support/free-port.js';
import { decodeJwt, PUBLIC_URL, TestApp } from '../support/test-app.js';
import { TestPki } from '../support/test-pki.js';
import { tlsFetch } from '../support/tls-fetch.js';

const run = promisify(execFile);
const jktOf = (key: KeyObject) => {
  const { crv, kty, x, y } = key.export({ format: 'jwk' });
  return createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
};
/** A transport that reaches `from` (a public URL) at `to` (where the test listens), counting requests by path. */
function rewriting(transport: typeof fetch, from: string, to: string, seen: string[] = []): typeof fetch {
  return (input, init) => {
    const url = String(input);
    seen.push(`${init?.method ?? 'GET'} ${url}`);
    return transport(url.replace(from, to), init);
  };
}

/** The SDK's TokenSession with DPoP and mTLS against the real service, and its verifier guarding a downstream service. */
describe('the SDK with sender-constrained tokens', () => {
  const pki = new TestPki();
  const serverCa = pki.ca('/CN=SDK Server CA');
  const server = serverCa.issue('/CN=localhost', { extensions: ['subjectAltName=DNS:localhost,DNS:issuer.test,IP:127.0.0.1'] });
  const clientCa = pki.ca('/CN=SDK Client CA');
  const certificate = clientCa.issue('/O=Meter Reader AS/CN=reader');
  const identity = { cert: certificate.cert, key: certificate.key, ca: serverCa.cert };

  describe('DPoP (with server nonces)', () => {
    let app: TestApp;
    let client: { id: string; secret: string };
    beforeAll(async () => {
      app = await TestApp.start({ env: { DPOP_NONCE: 'true' } });
      const entity = (await app.adminCreate('/admin/entities', { name: 'SDK DPoP AS', type: 'organisation', business_id: '921212121', business_id_type: 'org' })).id;
      const made = await app.adminCreate('/admin/entity-clients', { entity_id: entity, name: 'spa', scopes: ['read:data'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], dpop_bound_access_tokens: true });
      client = { id: made.client_id, secret: made.client_secret };
    });
    afterAll(() => app.close());

    it('gets a DPoP-bound token, proves each request, follows the nonce, and renews before expiry', async () => {
      const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const seen: string[] = [];
      let now = Date.now();
      const session = new TokenSession({ clientId: client.id, clientSecret: client.secret, grant: 'client_credentials', issuerUrl: PUBLIC_URL, dpop: key, fetch: rewriting(fetch, PUBLIC_URL, app.baseUrl, seen), now: () => now });
      const first = await session.fetch(`${PUBLIC_URL}/auth/userinfo`);
      expect(first.status).toBe(200);
      const token = await session.token();
      expect(decodeJwt(token).cnf).toEqual({ jkt: jktOf(key) });
      expect((await session.fetch(`${PUBLIC_URL}/auth/userinfo`)).status).toBe(200);
      // One nonce retry at the token endpoint; the resource calls had the nonce already.
      expect(seen.map((line) => line.replace(PUBLIC_URL, ''))).toEqual(['POST /auth/token', 'POST /auth/token', 'GET /auth/userinfo', 'GET /auth/userinfo']);
      now += (3600 - 30) * 1000;
      expect(await session.token()).not.toBe(token);
      expect(decodeJwt(await session.token()).cnf).toEqual({ jkt: jktOf(key) });
    });

    it('makes its own key when given none', async () => {
      const session = new TokenSession({ clientId: client.id, clientSecret: client.secret, grant: 'client_credentials', issuerUrl: PUBLIC_URL, dpop: true, fetch: rewriting(fetch, PUBLIC_URL, app.baseUrl) });
      expect((await session.fetch(`${PUBLIC_URL}/auth/userinfo`)).status).toBe(200);
      expect(decodeJwt(await session.token()).cnf.jkt).toEqual(expect.any(String));
    });
  });

  describe('mutual TLS', () => {
    let app: TestApp;
    let clientId: string;
    let sp: number;
    beforeAll(async () => {
      app = await TestApp.start({ env: { TLS_CERT_FILE: server.certFile, TLS_KEY_FILE: server.keyFile, TLS_CLIENT_CA_FILE: clientCa.certFile } });
      // The operator's session, over TLS without a client certificate.
      const overTls: typeof fetch = (input, init) => tlsFetch(String(input), init as never, { ca: serverCa.cert });
      const admin = new TokenSession({ clientId: app.operator.clientId, privateKey: app.operator.privateKey, issuerUrl: PUBLIC_URL, fetch: rewriting(overTls, PUBLIC_URL, app.baseUrl) });
      const post = async (path: string, body: object) => (await admin.fetch(`${PUBLIC_URL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
      const entity = (await post('/admin/entities', { name: 'Meter Reader AS', type: 'organisation', business_id: '921212139', business_id_type: 'org' })).id;
      sp = (await post('/admin/parties', { entity_id: entity, name: 'Reader SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' })).id;
      clientId = (await post('/admin/entity-clients', {
        entity_id: entity, name: 'reader', scopes: ['read:data'], party_id: sp, grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=reader,O=Meter Reader AS', tls_client_certificate_bound_access_tokens: true,
      })).client_id;
    });
    afterAll(() => app.close());

    it('authenticates with its certificate, gets a token bound to it and fetches over the same certificate', async () => {
      const session = new TokenSession({ clientId, issuerUrl: PUBLIC_URL, grant: 'client_credentials', tls: identity, fetch: rewriting(mtlsFetch(identity), PUBLIC_URL, app.baseUrl) });
      const party = await session.fetch(`${PUBLIC_URL}/data/party/${sp}`);
      expect(party.status).toBe(200);
      expect(await party.json()).toMatchObject({ id: sp });
      expect(decodeJwt(await session.token()).cnf).toEqual({ 'x5t#S256': certificateThumbprint(new X509Certificate(certificate.cert)) });
      // The same token over another certificate is refused.
      const other = clientCa.issue('/O=Meter Reader AS/CN=reader');
      const elsewhere = await mtlsFetch({ ...other, ca: serverCa.cert })(`${app.baseUrl}/auth/userinfo`, { headers: { authorization: `Bearer ${await session.token()}` } });
      expect(elsewhere.status).toBe(401);
    });

    it("runs the docs' FAPISession example against the service", async () => {
      await run('npm', ['run', 'build:sdk', '--silent'], { cwd: process.cwd() });
      const port = await freePort();
      const direct = await TestApp.start({ port, env: { PUBLIC_URL: `https://localhost:${port}`, TLS_CERT_FILE: server.certFile, TLS_KEY_FILE: server.keyFile, TLS_CLIENT_CA_FILE: clientCa.certFile }, restartOf: app });
      try {
        const { stdout } = await run(process.execPath, ['sdk/examples/fapi-session.mjs', `https://localhost:${port}/data/party/${sp}`], {
          env: { ...process.env, CLIENT_ID: clientId, ISSUER_URL: `https://localhost:${port}`, SCOPE: 'read:data', CERTIFICATE: certificate.certFile, PRIVATE_KEY: certificate.keyFile, CA_FILE: serverCa.certFile },
        });
        expect(stdout).toMatch(new RegExp(`^200 \\{"id":${sp},`));
      } finally {
        await direct.close();
      }
    }, 60_000);
  });

  it('posts to the mtls_endpoint_aliases token endpoint when the issuer publishes one', async () => {
    const alias = 'https://mtls.issuer.test';
    const app = await TestApp.start({ env: { TRUSTED_PROXIES: '127.0.0.1', TLS_CLIENT_CA_FILE: clientCa.certFile, MTLS_PUBLIC_URL: alias } });
    try {
      const entity = (await app.adminCreate('/admin/entities', { name: 'Alias AS', type: 'organisation', business_id: '921212147', business_id_type: 'org' })).id;
      const clientId = (await app.adminCreate('/admin/entity-clients', {
        entity_id: entity, name: 'reader', scopes: ['read:data'], grant_types: ['client_credentials'], token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=reader,O=Meter Reader AS',
      })).client_id;
      // A stand-in for the proxy at the alias host: it forwards the client's certificate in Client-Cert.
      const forwarded = `:${new X509Certificate(certificate.cert).raw.toString('base64')}:`;
      const seen: string[] = [];
      const proxy: typeof fetch = (input, init) => {
        seen.push(String(input));
        const headers = new Headers(init?.headers);
        if (String(input).startsWith(alias)) headers.set('client-cert', forwarded);
        return fetch(String(input).replace(alias, app.baseUrl).replace(PUBLIC_URL, app.baseUrl), { ...init, headers });
      };
      const session = new TokenSession({ clientId, issuerUrl: PUBLIC_URL, grant: 'client_credentials', tls: identity, fetch: proxy });
      expect(decodeJwt(await session.token()).client_id).toBe(clientId);
      expect(seen).toEqual([`${PUBLIC_URL}/.well-known/oauth-authorization-server`, `${alias}/auth/token`]);
    } finally {
      await app.close();
    }
  });

  describe('TokenVerifier, tokenMiddleware and TokenGuard for a downstream service', () => {
    let app: TestApp;
    let verifier: TokenVerifier;
    let mtlsClient: string;
    let secretClient: { id: string; secret: string };
    const servers: { close(): unknown }[] = [];
    const listen = async (server: Server, port = 0) => new Promise<number>((resolve) => server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

    beforeAll(async () => {
      app = await TestApp.start({ env: { TRUSTED_PROXIES: '127.0.0.1', TLS_CLIENT_CA_FILE: clientCa.certFile } });
      verifier = new TokenVerifier({ issuer: PUBLIC_URL, jwksUri: `${app.baseUrl}/auth/jwks` });
      const entity = (await app.adminCreate('/admin/entities', { name: 'Downstream AS', type: 'organisation', business_id: '921212155', business_id_type: 'org' })).id;
      mtlsClient = (await app.adminCreate('/admin/entity-clients', {
        entity_id: entity, name: 'reader', scopes: ['read:data'], grant_types: ['client_credentials'], token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=reader,O=Meter Reader AS', tls_client_certificate_bound_access_tokens: true,
      })).client_id;
      const made = await app.adminCreate('/admin/entity-clients', { entity_id: entity, name: 'spa', scopes: ['read:data'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
      secretClient = { id: made.client_id, secret: made.client_secret };
    });
    afterAll(async () => {
      for (const server of servers) server.close();
      await app.close();
    });

    /** A certificate-bound token, got through the issuer's trusted-proxy path. */
    const boundToken = async () => {
      const header = `:${new X509Certificate(certificate.cert).raw.toString('base64')}:`;
      const session = new TokenSession({ clientId: mtlsClient, issuerUrl: PUBLIC_URL, grant: 'client_credentials', tls: identity, fetch: (input, init) => fetch(String(input).replace(PUBLIC_URL, app.baseUrl), { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), 'client-cert': header } }) });
      return session.token();
    };

    it('checks a certificate-bound token against the TLS connection, and refuses it as a bare bearer token to verify()', async () => {
      const token = await boundToken();
      const downstream = createHttpsServer({ cert: server.cert, key: server.key, ca: clientCa.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
        const middleware = tokenMiddleware(verifier, { requiredScope: 'read:data' });
        void middleware(req as never, res as never, () => res.end(JSON.stringify((req as { token?: VerifiedToken }).token?.cnf)));
      });
      servers.push(downstream);
      const port = await listen(downstream as unknown as Server);
      const call = (who: { cert?: string; key?: string }) => mtlsFetch({ ca: serverCa.cert, ...who } as never)(`https://127.0.0.1:${port}/meters`, { headers: { authorization: `Bearer ${token}` } });
      const served = await call(identity);
      expect(served.status).toBe(200);
      expect(await served.json()).toEqual({ 'x5t#S256': certificateThumbprint(new X509Certificate(certificate.cert)) });
      const other = clientCa.issue('/O=Meter Reader AS/CN=reader');
      const refused = await call({ cert: other.cert, key: other.key });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      await expect(verifier.verify(token)).rejects.toThrow(/sender-constrained/);
    });

    it("believes a trusted proxy's Client-Cert header, and only a trusted proxy's", async () => {
      const token = await boundToken();
      const header = `:${new X509Certificate(certificate.cert).raw.toString('base64')}:`;
      const serve = (trustedProxies: string[]) => {
        const guarded = new TokenVerifier({ issuer: PUBLIC_URL, jwksUri: `${app.baseUrl}/auth/jwks`, binding: { trustedProxies } });
        const downstream = createHttpServer((req, res) => void tokenMiddleware(guarded)(req as never, res as never, () => res.end('ok')));
        servers.push(downstream);
        return listen(downstream);
      };
      const call = async (port: number) => (await fetch(`http://127.0.0.1:${port}/`, { headers: { authorization: `Bearer ${token}`, 'client-cert': header } })).status;
      expect(await call(await serve(['127.0.0.1']))).toBe(200);
      expect(await call(await serve(['10.0.0.0/8']))).toBe(401);
    });

    it('checks a DPoP-bound token with its proof in a Nest app (TokenGuard): the session is served, a replayed proof or a bearer use is not', async () => {
      @Controller()
      class MetersController {
        @Get('meters')
        @UseGuards(TokenGuard(new TokenVerifier({ issuer: PUBLIC_URL, jwksUri: `${app.baseUrl}/auth/jwks`, binding: { baseUrl: 'https://api.test' } }), 'read:data'))
        meters(@Req() request: { token: VerifiedToken }) {
          return { jkt: request.token.cnf?.jkt };
        }
      }
      @Module({ controllers: [MetersController] })
      class DownstreamModule {}
      const nest = await NestFactory.create<NestFastifyApplication>(DownstreamModule, new FastifyAdapter(), { logger: false });
      await nest.listen(0, '127.0.0.1');
      servers.push(nest);
      const base = `http://127.0.0.1:${(nest.getHttpServer().address() as { port: number }).port}`;
      const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const sent: RequestInit[] = [];
      const session = new TokenSession({
        clientId: secretClient.id, clientSecret: secretClient.secret, grant: 'client_credentials', issuerUrl: PUBLIC_URL, dpop: key,
        fetch: (input, init) => {
          if (String(input).startsWith('https://api.test')) sent.push(init!);
          return fetch(String(input).replace(PUBLIC_URL, app.baseUrl).replace('https://api.test', base), init);
        },
      });
      const served = await session.fetch('https://api.test/meters');
      expect(served.status).toBe(200);
      expect(await served.json()).toEqual({ jkt: jktOf(key) });

      const replayed = await fetch(`${base}/meters`, sent[0]);
      expect(replayed.status).toBe(401);
      expect(replayed.headers.get('www-authenticate')).toMatch(/^DPoP algs="RS256 PS256 ES256 EdDSA", error="invalid_dpop_proof"/);
      const asBearer = await fetch(`${base}/meters`, { headers: { authorization: `Bearer ${await session.token()}` } });
      expect(asBearer.status).toBe(401);
      expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_token"/);
    });
  });
});
