import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { TestApp, JWT_BEARER } from '../support/test-app.js';

/** Server-side accounting for the shutdown test: userinfo requests the service started, finished, or lost mid-way. */
const served = { started: 0, finished: 0, aborted: 0 };

@Module({})
class RequestAccountingModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply((req: IncomingMessage, res: ServerResponse, next: () => void) => {
      if (!((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '').startsWith('/auth/userinfo')) return next();
      served.started += 1;
      let finished = false;
      res.on('finish', () => { finished = true; served.finished += 1; });
      res.on('close', () => { if (!finished) served.aborted += 1; });
      next();
    }).forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}

describe('operations', () => {
  describe('health, metrics, headers and CORS', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await TestApp.start();
    });
    afterAll(() => app.close());

    it('answers liveness and readiness', async () => {
      expect(await app.api('GET', '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
      const ready = await app.api('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, migrations: { status: 'up' } } });
    });

    it('counts logins by grant and outcome, and times requests by route', async () => {
      await app.accessToken(app.operator);
      await app.tokenRequest({ grant_type: JWT_BEARER, assertion: 'not.a.jwt' });
      await app.tokenRequest({ grant_type: 'urn:example:no-such-grant' });
      await app.fetch('/api/v1/registrant/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'nobody@x.test', password: 'wrong' }) });
      const response = await app.fetch('/metrics');
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toMatch(/token_issuer_logins_total\{grant="jwt-bearer",outcome="success"\} [1-9]/);
      expect(text).toMatch(/token_issuer_logins_total\{grant="jwt-bearer",outcome="invalid_grant"\} 1/);
      expect(text).toMatch(/token_issuer_logins_total\{grant="unknown",outcome="unsupported_grant_type"\} 1/);
      expect(text).toMatch(/token_issuer_logins_total\{grant="registrant-password",outcome="not_authorized"\} 1/);
      expect(text).toMatch(/token_issuer_http_request_duration_seconds_count\{method="POST",route="\/auth\/token",status="200"\} [1-9]/);
      expect(text).toMatch(/token_issuer_db_pool_connections\{state="total"\} \d+/);
      expect(text).toMatch(/token_issuer_process_resident_memory_bytes \d+/);
    });

    it('sends the security headers on every response', async () => {
      for (const path of ['/auth/jwks', '/auth/userinfo', '/nope', '/docs/openapi.json']) {
        const response = await app.fetch(path);
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('x-frame-options')).toBe('DENY');
        expect(response.headers.get('referrer-policy')).toBe('no-referrer');
        expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/); // PUBLIC_URL is https here
      }
      expect((await app.fetch('/auth/userinfo')).headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
      expect((await app.fetch('/auth/userinfo')).headers.get('cache-control')).toBe('no-store');
      const docs = await app.fetch('/docs');
      expect(docs.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
      expect(docs.headers.get('content-security-policy')).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect((await app.fetch('/auth/jwks')).headers.get('cache-control')).toMatch(/max-age=300/);
    });

    it('keeps CORS closed by default', async () => {
      const response = await app.fetch('/auth/jwks', { headers: { origin: 'https://evil.test' } });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await app.fetch('/auth/token', { method: 'OPTIONS', headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' } });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('opens CORS to the configured origins only', async () => {
      const open = await TestApp.start({ env: { CORS_ORIGINS: 'https://portal.test' } });
      try {
        const allowed = await open.fetch('/auth/token', { method: 'OPTIONS', headers: { origin: 'https://portal.test', 'access-control-request-method': 'POST' } });
        expect(allowed.headers.get('access-control-allow-origin')).toBe('https://portal.test');
        const other = await open.fetch('/auth/jwks', { headers: { origin: 'https://evil.test' } });
        expect(other.headers.get('access-control-allow-origin')).toBeNull();
      } finally {
        await open.close();
      }
    });
  });

  it('stops accepting on shutdown, finishes what is in flight, and closes the pool', async () => {
    const app = await TestApp.start({ extraModules: [RequestAccountingModule] });
    const token = await app.accessToken(app.operator);
    const { port } = new URL(app.baseUrl);
    const outcomes: string[] = [];
    let closing = false;
    // Fresh connections (no keep-alive): a refused connection after shutdown is clean, a reset request is not.
    const once = () => new Promise<void>((resolve) => {
      const outgoing = request({ host: '127.0.0.1', port: Number(port), path: '/auth/userinfo', headers: { authorization: `Bearer ${token}` }, agent: false }, (incoming) => {
        incoming.resume();
        incoming.on('end', () => { outcomes.push(String(incoming.statusCode)); resolve(); });
        incoming.on('error', (error: NodeJS.ErrnoException) => { outcomes.push(`response ${error.code ?? error.message}`); resolve(); });
      });
      // After shutdown begins, a connection may be refused, or closed before its request was read: the
      // request never reached the service (the server-side counts below prove it), so nothing was half-done.
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        outcomes.push(closing && error.code === 'ECONNREFUSED' ? 'refused after shutdown' : closing && error.code === 'ECONNRESET' ? 'closed before read' : `request ${error.code ?? error.message}`);
        resolve();
      });
      outgoing.end();
    });
    const worker = async () => {
      while (!outcomes.includes('refused after shutdown')) await once();
    };
    const load = Promise.all(Array.from({ length: 24 }, worker));
    await new Promise((resolve) => setTimeout(resolve, 400));
    closing = true;
    await app.close();
    await load;

    const counts = outcomes.reduce<Record<string, number>>((all, outcome) => ({ ...all, [outcome]: (all[outcome] ?? 0) + 1 }), {});
    expect(counts['200']).toBeGreaterThan(50);
    expect(Object.keys(counts).filter((outcome) => !['200', '503', 'refused after shutdown', 'closed before read'].includes(outcome))).toEqual([]);
    // Every request the service began, it finished; every answer it sent arrived.
    expect(served.aborted).toBe(0);
    expect(served.finished).toBe(served.started);
    // The 200s are exactly the requests it finished; a 503 is Fastify refusing, cleanly, one that arrived while closing.
    expect(counts['200']).toBe(served.finished);
    expect(app.app.get<DataSource>(getDataSourceToken()).isInitialized).toBe(false);
  });
});
