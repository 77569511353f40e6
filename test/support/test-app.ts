import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicKey, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import pg from 'pg';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/app-config.js';
import { ensureDatabase } from '../../src/database/embedded-postgres.js';

export const PUBLIC_URL = 'https://issuer.test';
export const TOKEN_AUDIENCE = `${PUBLIC_URL}/auth/token`;
const SECRETS = JSON.parse(readFileSync(new URL('./test-secrets.json', import.meta.url), 'utf8')) as { tokenSecret: string; passwords: string[] };
export const TEST_TOKEN_SECRET = SECRETS.tokenSecret;
/** Passwords the tests may use: the global teardown makes sure none reached a log. */
export const TEST_PASSWORDS = SECRETS.passwords;
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface TestClient {
  readonly clientId: string;
  readonly privateKey: KeyObject;
  readonly alg: 'ES256' | 'RS256' | 'PS256' | 'EdDSA';
  readonly kid?: string;
}

/** The service on its own fresh database, listening on a loopback port. */
export class TestApp {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly baseUrl: string,
    readonly databaseUrl: string,
    readonly operator: TestClient,
    /** PUBLIC_URL: the issuer, and the audience of assertions. */
    readonly publicUrl: string = PUBLIC_URL,
  ) {}

  /**
   * A fresh database and operator, or those of an earlier app (`restartOf`) to
   * test a restart; `adminUrl` picks another Postgres server than the run's;
   * `connectTo` maps the database URL to the one the service connects with
   * (a proxy in front of the database).
   */
  static async start(options: { env?: Record<string, string>; restartOf?: TestApp; extraModules?: Type[]; adminUrl?: string; connectTo?: (databaseUrl: string) => string; port?: number } = {}): Promise<TestApp> {
    const { env = {}, restartOf, extraModules = [] } = options;
    const adminUrl = options.adminUrl ?? process.env.TEST_ADMIN_DATABASE_URL;
    if (!adminUrl) throw new Error('TEST_ADMIN_DATABASE_URL is not set: run the tests through jest (global setup)');
    const databaseUrl = restartOf?.databaseUrl ?? (await TestApp.freshDatabase(adminUrl));
    const operator: TestClient = restartOf?.operator ?? { clientId: randomUUID(), privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, alg: 'ES256' };
    const serviceUrl = options.connectTo?.(databaseUrl) ?? databaseUrl;
    const config = loadConfig({
      PUBLIC_URL,
      DATABASE_URL: serviceUrl,
      // Everything the service logs, at its most verbose, goes where the global teardown looks for secrets.
      LOG_LEVEL: 'debug',
      LOG_FILE: join(process.env.TEST_LOG_DIR ?? '/tmp', `${randomBytes(6).toString('hex')}.log`),
      DATABASE_POOL_SIZE: '4',
      TOKEN_SECRET: TEST_TOKEN_SECRET,
      BOOTSTRAP_OPERATOR_CLIENT_ID: operator.clientId,
      BOOTSTRAP_OPERATOR_PUBLIC_KEY: createPublicKey(operator.privateKey).export({ type: 'spki', format: 'pem' }) as string,
      ...env,
    });
    const app = await createApp(config, serviceUrl, extraModules);
    await app.listen(options.port ?? 0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    return new TestApp(app, `${config.tls.listener === undefined ? 'http' : 'https'}://127.0.0.1:${port}`, databaseUrl, operator, config.publicUrl);
  }

  static async freshDatabase(adminUrl: string): Promise<string> {
    const name = `test_${randomBytes(6).toString('hex')}`;
    await ensureDatabase(adminUrl, name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  /** A query on the app's database, for asserting what was (or was not) written. */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** How fetch reaches the app: global fetch, or (set by a TLS test) one that trusts the test's server CA. */
  transport: (url: string, init: RequestInit) => Promise<Response> = (url, init) => fetch(url, init);

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return this.transport(`${this.baseUrl}${path}`, init);
  }

  /** POST /auth/token with a form body. */
  tokenRequest(form: Record<string, string>): Promise<Response> {
    return this.fetch('/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** A JWT-bearer login; returns the response. */
  login(client: TestClient, claims: Record<string, unknown> = {}, extra: Record<string, string> = {}): Promise<Response> {
    return signAssertion(client, { aud: `${this.publicUrl}/auth/token`, ...claims }).then((assertion) => this.tokenRequest({ grant_type: JWT_BEARER, assertion, ...extra }));
  }

  /** A JWT-bearer login that must succeed; returns the access token. */
  async accessToken(client: TestClient, claims: Record<string, unknown> = {}, extra: Record<string, string> = {}): Promise<string> {
    const response = await this.login(client, claims, extra);
    const body = (await response.json()) as { access_token?: string };
    if (response.status !== 200 || body.access_token === undefined) throw new Error(`login failed: ${response.status} ${JSON.stringify(body)}`);
    return body.access_token;
  }

  private operatorToken: string | undefined;

  /** An admin call as the bootstrap operator; fails the test unless it answers 201. */
  async adminCreate(path: string, body: Record<string, unknown>): Promise<Record<string, any>> {
    this.operatorToken ??= await this.accessToken(this.operator);
    const response = await this.api('POST', path, this.operatorToken, body);
    if (response.status !== 201) throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** A client registered through the admin API with a fresh key of `alg`. */
  async createClient(entityId: number, scopes: string[], options: { partyId?: number; alg?: TestClient['alg']; name?: string } = {}): Promise<TestClient> {
    const alg = options.alg ?? 'ES256';
    const { publicKey, privateKey } = generateKeyPair(alg);
    const body = await this.adminCreate('/admin/entity-clients', {
      entity_id: entityId,
      name: options.name ?? 'test client',
      scopes,
      ...(options.partyId === undefined ? {} : { party_id: options.partyId }),
      public_key: publicKey.export({ type: 'spki', format: 'pem' }),
    });
    return { clientId: body.client_id, privateKey, alg, kid: body.keys[0].kid };
  }

  /** POST /auth/revoke of `token` (RFC 7009: no client authentication). */
  revoke(token: string): Promise<Response> {
    return this.fetch('/auth/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
  }

  /** Whether introspection (as `caller`, a token covering use:auth:introspect) calls `token` active. */
  async isActive(token: string, caller: string): Promise<boolean> {
    const response = await this.fetch('/auth/introspect', {
      method: 'POST',
      headers: { authorization: `Bearer ${caller}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    return ((await response.json()) as { active: boolean }).active;
  }

  /** JSON request with an optional bearer token. */
  async api(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; headers: Headers; body: any }> {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  }
}

export function generateKeyPair(alg: TestClient['alg']): { publicKey: KeyObject; privateKey: KeyObject } {
  switch (alg) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
    default:
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
  }
}

/**
 * A well-formed assertion for `client`; `claims` override the defaults (a
 * value of undefined removes the claim), `header` adds header fields.
 */
export async function signAssertion(client: TestClient, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { iss: client.clientId, aud: TOKEN_AUDIENCE, jti: randomUUID(), iat: now, exp: now + 60, ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: client.alg, ...(client.kid === undefined ? {} : { kid: client.kid }), ...header })
    .sign(client.privateKey);
}

/** Decodes a JWT's payload without verifying it (tests only). */
export function decodeJwt(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

export function decodeJwtHeader(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
}
