import { createServer, type Server } from 'node:http';
import { Controller, Get, Module, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { tokenMiddleware, TokenSession, TokenSessionError, TokenVerifier, type VerifiedToken } from '@token-issuer/sdk';
import { TokenGuard } from '@token-issuer/sdk/nest';
import { SigningKeySealer } from '../../src/crypto/signing-key-sealer.js';
import { rotateSigningKeys } from '../../src/tokens/signing-key-rotation.js';
import { decodeJwtHeader, PUBLIC_URL, TEST_TOKEN_SECRET, TestApp, type TestClient } from '../support/test-app.js';

describe('the client SDK against a running issuer', () => {
  let issuer: TestApp;
  let client: TestClient;
  let introspector: TestClient;
  let tokenRequests = 0;
  const countingFetch: typeof fetch = (input, init) => {
    if (String(input).endsWith('/auth/token')) tokenRequests += 1;
    return fetch(input, init);
  };

  beforeAll(async () => {
    issuer = await TestApp.start();
    const entity = (await issuer.adminCreate('/admin/entities', { name: 'SDK User AS', type: 'organisation', business_id: '912121212', business_id_type: 'org' })).id;
    await issuer.adminCreate('/admin/parties', { entity_id: entity, name: 'SDK SP', type: 'service_provider', business_id: '5790000000005', business_id_type: 'gln' });
    client = await issuer.createClient(entity, ['read:data'], { alg: 'EdDSA' });
    introspector = await issuer.createClient(entity, ['use:auth:introspect']);
  });
  afterAll(() => issuer.close());

  /** Here the issuer's PUBLIC_URL is not where it listens, so the token endpoint is given apart. */
  const sessionFor = (who: TestClient, extra: Partial<ConstructorParameters<typeof TokenSession>[0]> = {}) =>
    new TokenSession({ clientId: who.clientId, privateKey: who.privateKey, issuerUrl: PUBLIC_URL, tokenEndpoint: `${issuer.baseUrl}/auth/token`, fetch: countingFetch, ...extra });

  describe('TokenSession', () => {
    it('obtains one token for many concurrent callers, and caches it', async () => {
      const session = sessionFor(client, { party: 'no:party:gln:5790000000005' });
      tokenRequests = 0;
      const tokens = await Promise.all(Array.from({ length: 20 }, () => session.token()));
      expect(new Set(tokens).size).toBe(1);
      expect(tokenRequests).toBe(1);
      await session.token();
      expect(tokenRequests).toBe(1);
    });

    it('renews before the token expires', async () => {
      let now = Date.now();
      const session = sessionFor(client, { renewBeforeSeconds: 60, now: () => now });
      tokenRequests = 0;
      const first = await session.token();
      now += (3600 - 61) * 1000; // just before the renewal window
      expect(await session.token()).toBe(first);
      now += 2000; // inside it
      const second = await session.token();
      expect(second).not.toBe(first);
      expect(tokenRequests).toBe(2);
    });

    it('fetches with the bearer header and retries once with a new token after a 401', async () => {
      const session = sessionFor(client);
      const ok = await session.fetch(`${issuer.baseUrl}/auth/userinfo`);
      expect(ok.status).toBe(200);
      await issuer.fetch('/auth/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: await session.token() }).toString() });
      tokenRequests = 0;
      const retried = await session.fetch(`${issuer.baseUrl}/auth/userinfo`);
      expect(retried.status).toBe(200);
      expect(tokenRequests).toBe(1);
    });

    it('gets client_credentials tokens with a secret (Basic or in the form) or a client assertion, and renews them', async () => {
      const entity = (await issuer.adminCreate('/admin/entities', { name: 'SDK Secrets AS', type: 'organisation', business_id: '913131313', business_id_type: 'org' })).id;
      for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
        const made = await issuer.adminCreate('/admin/entity-clients', { entity_id: entity, name: method, scopes: ['read:data'], token_endpoint_auth_method: method, grant_types: ['client_credentials'] });
        let now = Date.now();
        const session = new TokenSession({ clientId: made.client_id, grant: 'client_credentials', clientAuthMethod: method, clientSecret: made.client_secret, issuerUrl: PUBLIC_URL, tokenEndpoint: `${issuer.baseUrl}/auth/token`, fetch: countingFetch, now: () => now });
        tokenRequests = 0;
        const first = await session.token();
        expect(JSON.parse(Buffer.from(first.split('.')[1], 'base64url').toString()).client_id).toBe(made.client_id);
        expect(await session.token()).toBe(first);
        now += 3600_000 - 30_000; // within the renewal margin: a new token
        await session.token();
        expect(tokenRequests).toBe(2);
      }
      const signer = await issuer.createClient(entity, ['read:data']);
      await issuer.api('PATCH', `/admin/entity-clients/${signer.clientId}`, await issuer.accessToken(issuer.operator), { grant_types: ['client_credentials'] });
      const session = new TokenSession({ clientId: signer.clientId, grant: 'client_credentials', clientAuthMethod: 'private_key_jwt', privateKey: signer.privateKey, kid: signer.kid, issuerUrl: PUBLIC_URL, tokenEndpoint: `${issuer.baseUrl}/auth/token` });
      expect(JSON.parse(Buffer.from((await session.token()).split('.')[1], 'base64url').toString()).client_id).toBe(signer.clientId);
      expect(() => new TokenSession({ clientId: signer.clientId, grant: 'client_credentials', clientAuthMethod: 'client_secret_basic', issuerUrl: PUBLIC_URL })).toThrow(/clientSecret/);
    });

    it('reports a refusal with its OAuth error', async () => {
      const session = sessionFor(client, { party: 'no:party:gln:4000000000006' });
      await expect(session.token()).rejects.toMatchObject({ name: 'TokenSessionError', status: 400, error: 'invalid_grant' });
      await expect(session.token()).rejects.toBeInstanceOf(TokenSessionError);
    });
  });

  describe('TokenVerifier', () => {
    const localVerifier = () => new TokenVerifier({ issuer: PUBLIC_URL, jwksUri: `${issuer.baseUrl}/auth/jwks` });

    it('verifies locally against the JWKS, with the scope grammar', async () => {
      const token = await sessionFor(client, { party: 'no:party:gln:5790000000005' }).token();
      const verifier = localVerifier();
      const verified = await verifier.verify(token, 'read:data:party');
      expect(verified).toMatchObject({ scope: 'read:data', role: 'flex_service_provider', clientId: client.clientId, partyId: expect.any(Number) });
      await expect(verifier.verify(token, 'manage:data')).rejects.toMatchObject({ status: 403, error: 'insufficient_scope' });
      await expect(verifier.verify(`${token.slice(0, -3)}AAA`)).rejects.toMatchObject({ status: 401, error: 'invalid_token' });
      await expect(new TokenVerifier({ issuer: 'https://other.test', jwksUri: `${issuer.baseUrl}/auth/jwks` }).verify(token)).rejects.toMatchObject({ status: 401 });
      await expect(new TokenVerifier({ issuer: PUBLIC_URL, audience: 'https://api.other.test', jwksUri: `${issuer.baseUrl}/auth/jwks` }).verify(token)).rejects.toMatchObject({ status: 401 });
    });

    it('keeps verifying a token of each key across a full rotation cycle', async () => {
      const dataSource = issuer.app.get<DataSource>(getDataSourceToken());
      const rotate = () => rotateSigningKeys(dataSource, new SigningKeySealer(TEST_TOKEN_SECRET), { accessTokenTtlSeconds: 3600, minNextAgeSeconds: 0 });
      const settle = () => new Promise((resolve) => setTimeout(resolve, 300)); // the issuer reloads on NOTIFY
      // The schedule scaled down: rotations 300 ms apart, the verifier re-reading the JWKS after 200 ms
      // (in production: rotations at least the JWKS max-age apart, 300 s, and the verifier's default cache of 300 s).
      const verifier = new TokenVerifier({ issuer: PUBLIC_URL, jwksUri: `${issuer.baseUrl}/auth/jwks`, jwksCacheSeconds: 0.2, jwksCooldownSeconds: 0.1 });
      const tokens: string[] = [await sessionFor(client).token()];
      await rotate(); // publish next
      await settle();
      await verifier.verify(tokens[0]); // the verifier now caches current and next
      for (let step = 0; step < 2; step++) {
        await rotate(); // next signs, current retires
        await settle();
        await verifier.verify(tokens[0]); // its cache has aged: it reads the JWKS again, and sees the new next key
        tokens.push(await sessionFor(client).token());
        expect(decodeJwtHeader(tokens.at(-1)!).kid).not.toBe(decodeJwtHeader(tokens.at(-2)!).kid);
        for (const token of tokens) await expect(verifier.verify(token)).resolves.toMatchObject({ clientId: client.clientId });
      }
    });

    it('introspects instead, caching answers, and so sees revocations once the cache lapses', async () => {
      const caller = sessionFor(introspector);
      let introspections = 0;
      const verifier = new TokenVerifier({
        issuer: PUBLIC_URL,
        introspection: { callerToken: () => caller.token(), cacheSeconds: 1, url: `${issuer.baseUrl}/auth/introspect` },
        fetch: (input, init) => {
          if (String(input).endsWith('/auth/introspect')) introspections += 1;
          return fetch(input, init);
        },
      });
      const token = await sessionFor(client).token();
      expect(await verifier.verify(token)).toMatchObject({ clientId: client.clientId });
      await verifier.verify(token);
      expect(introspections).toBe(1);
      await issuer.fetch('/auth/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, error: 'invalid_token' });
      expect(introspections).toBe(2);
    });
  });

  describe('a downstream service', () => {
    it('guards a Nest route with TokenGuard', async () => {
      const verifier = new TokenVerifier({ issuer: PUBLIC_URL, jwksUri: `${issuer.baseUrl}/auth/jwks` });
      @Controller()
      class MeterController {
        @Get('meters')
        @UseGuards(TokenGuard(verifier, 'read:data'))
        list(@Req() request: { token: VerifiedToken }) {
          return { entity_id: request.token.entityId };
        }
      }
      @Module({ controllers: [MeterController] })
      class DownstreamModule {}
      const downstream = await NestFactory.create<NestFastifyApplication>(DownstreamModule, new FastifyAdapter(), { logger: false });
      await downstream.listen(0, '127.0.0.1');
      const url = `http://127.0.0.1:${(downstream.getHttpServer().address() as { port: number }).port}/meters`;
      try {
        const session = sessionFor(client);
        expect((await session.fetch(url)).status).toBe(200);
        const anonymous = await fetch(url);
        expect(anonymous.status).toBe(401);
        expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
        const unscoped = await fetch(url, { headers: { authorization: `Bearer ${await sessionFor(introspector).token()}` } });
        expect(unscoped.status).toBe(403);
        expect(unscoped.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="read:data"/);
      } finally {
        await downstream.close();
      }
    });

    it('guards a plain node or Express-style server with tokenMiddleware', async () => {
      const middleware = tokenMiddleware(new TokenVerifier({ issuer: PUBLIC_URL, jwksUri: `${issuer.baseUrl}/auth/jwks` }), { requiredScope: 'read:data' });
      const server: Server = createServer((req, res) => {
        void middleware(req as never, res as never, () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ sub: (req as unknown as { token: VerifiedToken }).token.sub }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
      try {
        expect((await sessionFor(client).fetch(url)).status).toBe(200);
        const refused = await fetch(url, { headers: { authorization: 'Bearer not-a-token' } });
        expect(refused.status).toBe(401);
        expect(await refused.json()).toMatchObject({ error: 'invalid_token' });
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});
