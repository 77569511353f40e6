import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDataSourceToken } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { SetupLinks } from '../../src/setup/setup-links.js';
import { builtService } from '../support/built-service.js';
import { freePort } from '../support/free-port.js';
import { decodeJwt, TEST_PASSWORDS, TEST_TOKEN_SECRET, TestApp } from '../support/test-app.js';

const OLA = { name: 'Ola Operatør', email: 'ola@fiso.test', password: TEST_PASSWORDS[3] };
const KARI = { name: 'Kari Operatør', email: 'kari@fiso.test', password: TEST_PASSWORDS[4] };
const SETUP_LINE = /^No operator yet\. Open (\S+)\/portal\/#\/setup\/([A-Za-z0-9_-]{43}) within 30 minutes to create the first one \(a one-time link; the next start prints a new one and this one stops working\)$/;
const UNKNOWN = 'This setup link is unknown, used or expired. Restart the service for a new one, or run: npm run operator -- create <e-mail>';
type Answer = { status: number; headers: Headers; body: any };

/** A service without BOOTSTRAP_* (a first start), logging to a file of its own. */
async function firstStart(options: { restartOf?: TestApp; connectTo?: (url: string) => string; env?: Record<string, string> } = {}): Promise<{ app: TestApp; log: string }> {
  const log = join(process.env.TEST_LOG_DIR ?? '/tmp', `first-run-${randomBytes(6).toString('hex')}.log`);
  const env = { BOOTSTRAP_OPERATOR_CLIENT_ID: '', BOOTSTRAP_OPERATOR_PUBLIC_KEY: '', TRUST_PROXY: '1', LOG_FILE: log, ...options.env };
  return { app: await TestApp.start({ restartOf: options.restartOf, connectTo: options.connectTo, env }), log };
}

/** The setup lines of a log, parsed. */
function setupLines(log: string): Record<string, unknown>[] {
  return readFileSync(log, 'utf8').split('\n').filter((line) => line.includes('#/setup/')).map((line) => JSON.parse(line));
}

/** The code of the one setup line of a log. */
function codeOf(log: string): string {
  const lines = setupLines(log);
  expect(lines).toHaveLength(1);
  return SETUP_LINE.exec(String(lines[0].msg))![2];
}

/** A JSON POST from `address` (X-Forwarded-For), so that the throttle of one test does not reach the next. */
async function post(base: string, path: string, body: unknown, address: string): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': address }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

const check = (app: TestApp, code: unknown, address: string) => post(app.baseUrl, '/api/v1/setup/link', { code }, address);
const setUp = (app: TestApp, code: string, person: typeof OLA, address: string) => post(app.baseUrl, '/api/v1/setup/operator', { code, ...person }, address);

/** What a setup writes: a refused one leaves all of it as it was. */
async function stored(app: TestApp): Promise<Record<string, unknown>> {
  const [row] = await app.query(
    `SELECT (SELECT count(*)::int FROM entities WHERE type = 'person') AS persons, (SELECT count(*)::int FROM party_memberships) AS memberships,
            (SELECT count(*)::int FROM registrant_credentials) AS credentials, (SELECT count(*)::int FROM audit_events) AS audit,
            (SELECT count(*)::int FROM operator_setup_links WHERE used_at IS NOT NULL) AS used`,
  );
  return row;
}

/** A link made in the service's database as `npm run operator -- create` makes it (null: as a start makes it); operator-cli.test.ts runs the command itself. */
async function issueLink(app: TestApp, email: string | null): Promise<string> {
  return app.app.get<DataSource>(getDataSourceToken()).transaction(async (tx) => (await app.app.get(SetupLinks).issue(tx, email)).code);
}

describe('the first operator, on a first start', () => {
  let app: TestApp;
  let log: string;
  let code: string;
  let address = '';
  let tests = 0;
  beforeEach(() => {
    tests += 1;
    address = `198.51.100.${tests}`;
  });
  beforeAll(async () => {
    ({ app, log } = await firstStart({ env: { LOGIN_THROTTLE_MAX_FAILURES: '3' } }));
    code = codeOf(log);
  });
  afterAll(() => app.close());

  it('logs one link at info, the code its only secret, and makes the operator party but no person', async () => {
    const [line] = setupLines(log);
    expect(Object.keys(line).sort()).toEqual(['context', 'hostname', 'level', 'msg', 'pid', 'time']);
    expect(line).toMatchObject({ level: 30, context: 'FirstOperatorSetup' });
    expect(SETUP_LINE.exec(String(line.msg))![1]).toBe('https://issuer.test');
    expect(await app.query("SELECT e.name, e.type, p.type AS party_type, p.operator FROM parties p JOIN entities e ON e.id = p.entity_id")).toEqual([
      { name: 'FIS Operator', type: 'organisation', party_type: 'flexibility_information_system_operator', operator: true },
    ]);
    expect(await stored(app)).toEqual({ persons: 0, memberships: 0, credentials: 0, audit: 0, used: 0 });
    // Only a digest is stored; the link lives 30 minutes.
    const [row] = await app.query<{ code_digest: string; email: null; minutes: number }>("SELECT code_digest, email, round(extract(epoch FROM expires_at - now()) / 60)::int AS minutes FROM operator_setup_links");
    expect(row).toEqual({ code_digest: expect.stringMatching(/^v1\./), email: null, minutes: 30 });
    expect(row.code_digest).not.toContain(code);
    expect((await check(app, code, address)).body).toEqual({ email: null, expires_at: expect.any(String) });
  });

  it('refuses bad input in the registrant shape, storing nothing and leaving the link usable', async () => {
    const before = await stored(app);
    const cases: [unknown, number, Record<string, string[]>[]][] = [
      ['[]', 422, [{ base: ['The request body must be a JSON object'] }]],
      ['{"code":', 422, [{ base: ['The request body must be a JSON object'] }]],
      [{ code }, 422, [{ name: ['is required'] }, { email: ['is required'] }, { password: ['is required'] }]],
      [{ code, ...OLA, name: 'Ola\u0000' }, 422, [{ name: ['must not contain control characters'] }]],
      [{ code, ...OLA, password: 'password' }, 422, [{ password: ['is one of the most common passwords'] }]],
      [{ code, ...OLA, password: 'short' }, 422, [{ password: ['must be at least 8 characters'] }]],
      [{ code, ...OLA, email: 'not an e-mail' }, 422, [{ email: ['must be an e-mail address'] }]],
      [{ code, ...OLA, name: '   ' }, 422, [{ name: ['must not be blank'] }]],
      [{ code, ...OLA, admin: true }, 422, [{ admin: ['is not a known field'] }]],
      [{ code: 42, ...OLA }, 422, [{ code: expect.any(Array) }]],
    ];
    for (const [body, status, errors] of cases) {
      const answer = await post(app.baseUrl, '/api/v1/setup/operator', body, address);
      expect({ body, status: answer.status, errors: answer.body.errors }).toEqual({ body, status, errors });
    }
    expect(await stored(app)).toEqual(before);
    expect((await check(app, code, address)).status).toBe(200);
  });

  it('refuses an unknown or expired code with a 404 in words, and throttles guesses from one address', async () => {
    const before = await stored(app);
    for (const wrong of ['x'.repeat(43), 'not a code', code.slice(1)]) {
      const answer = await setUp(app, wrong, OLA, address);
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 404, body: { errors: [{ base: [UNKNOWN] }] } });
    }
    // Three wrong codes lock this address (LOGIN_THROTTLE_MAX_FAILURES), for the right code too; another address is not locked.
    const locked = await check(app, code, address);
    expect({ status: locked.status, errors: locked.body.errors }).toEqual({ status: 429, errors: [{ base: ['Too many wrong setup links from this address; try again later'] }] });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await setUp(app, code, OLA, address)).status).toBe(429);
    expect((await check(app, code, `${address}0`)).status).toBe(200);

    await app.query("UPDATE operator_setup_links SET expires_at = now() - interval '1 second'");
    expect((await check(app, code, `${address}1`)).status).toBe(404);
    expect((await setUp(app, code, OLA, `${address}1`)).status).toBe(404);
    await app.query("UPDATE operator_setup_links SET expires_at = now() + interval '30 minutes'");
    expect(await stored(app)).toEqual(before);
  });

  it('makes the operator once among concurrent redemptions; she logs in and acts for the operator party', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => setUp(app, code, { ...OLA, email: `ola${i}@fiso.test` }, `${address}${i}`)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 404, 404, 404, 404, 404]);
    const made = answers.find((answer) => answer.status === 201)!.body;
    const [party] = await app.query<{ id: number }>('SELECT id FROM parties WHERE operator');
    expect(made).toEqual({ entity_id: expect.any(Number), party_id: party.id, username: expect.stringMatching(/^ola\d@fiso\.test$/) });
    expect(await stored(app)).toEqual({ persons: 1, memberships: 1, credentials: 1, audit: 1, used: 1 });
    expect(await app.query('SELECT e.name, e.type, e.business_id, e.business_id_type, m.party_id, m.scopes FROM entities e JOIN party_memberships m ON m.entity_id = e.id')).toEqual([
      { name: OLA.name, type: 'person', business_id: made.username, business_id_type: 'email', party_id: party.id, scopes: ['manage:auth', 'manage:data', 'manage:registrant'] },
    ]);
    const [audit] = await app.query<{ action: string; actor_entity_id: number; diff: Record<string, unknown> }>('SELECT action, actor_entity_id, diff FROM audit_events');
    expect(audit).toEqual({ action: 'operator.setup', actor_entity_id: made.entity_id, diff: { after: { name: OLA.name, username: made.username, party_id: party.id, scopes: ['manage:auth', 'manage:data', 'manage:registrant'], link: 'start' } } });

    const login = await post(app.baseUrl, '/api/v1/registrant/auth/token', { username: made.username, password: OLA.password }, address);
    expect(login.status).toBe(201);
    const exchanged = await app.tokenRequest({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: login.body.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', scope: `assume:party:${party.id}`,
    });
    const operatorToken = ((await exchanged.json()) as { access_token: string }).access_token;
    expect(decodeJwt(operatorToken)).toMatchObject({ entity_id: made.entity_id, party_id: party.id, role: 'flex_flexibility_information_system_operator' });
    expect((await app.api('GET', '/admin/entities', operatorToken)).status).toBe(200);
    expect((await setUp(app, code, KARI, `${address}9`)).status).toBe(404); // used
  });

  it('prints no link at the next start once an operator exists, and refuses a start link then', async () => {
    const restarted = await firstStart({ restartOf: app });
    try {
      expect(setupLines(restarted.log)).toEqual([]);
      expect(await restarted.app.query('SELECT count(*)::int AS links FROM operator_setup_links WHERE used_at IS NULL')).toEqual([{ links: 0 }]);
      // A start link made before the operator was (another start's, say) is refused, and the refusal stores nothing.
      const stale = await issueLink(restarted.app, null);
      const before = await stored(restarted.app);
      const answer = await setUp(restarted.app, stale, KARI, address);
      expect({ status: answer.status, body: answer.body }).toEqual({
        status: 409, body: { errors: [{ base: ['The operator exists already: ask her to make you an operator, or run: npm run operator -- create <e-mail>'] }] },
      });
      expect(await stored(restarted.app)).toEqual(before);
    } finally {
      await restarted.app.close();
    }
  });

  it('makes another operator with a link for an e-mail, for that e-mail only', async () => {
    const link = await issueLink(app, KARI.email);
    expect((await check(app, link, address)).body).toEqual({ email: KARI.email, expires_at: expect.any(String) });
    const other = await setUp(app, link, { ...KARI, email: 'someone@fiso.test' }, address);
    expect({ status: other.status, errors: other.body.errors }).toEqual({ status: 422, errors: [{ email: [`must be ${KARI.email}, the e-mail this setup link was made for`] }] });
    // An e-mail that has an account already: refused on its field, nothing stored, the link still usable.
    const [{ username }] = await app.query<{ username: string }>('SELECT username FROM registrant_credentials');
    const taken = await issueLink(app, username);
    const before = await stored(app);
    const existing = await setUp(app, taken, { ...KARI, email: username }, address);
    expect({ status: existing.status, errors: existing.body.errors }).toEqual({
      status: 422, errors: [{ email: ['belongs to an existing account: choose another e-mail, or ask an operator to give that account a membership of the operator party'] }],
    });
    expect(await stored(app)).toEqual(before);
    expect((await check(app, taken, address)).status).toBe(200);
    expect((await setUp(app, link, { ...KARI, email: 'Kari@FISO.test' }, address)).body).toEqual({ entity_id: expect.any(Number), party_id: expect.any(Number), username: KARI.email });
  });
});

describe('a link per start', () => {
  it('makes a new link at each start while none is used, which ends the one before', async () => {
    const first = await firstStart();
    const firstCode = codeOf(first.log);
    await first.app.close();
    const second = await firstStart({ restartOf: first.app });
    try {
      const secondCode = codeOf(second.log);
      expect(secondCode).not.toBe(firstCode);
      expect((await check(second.app, firstCode, '203.0.113.1')).status).toBe(404);
      expect((await check(second.app, secondCode, '203.0.113.1')).status).toBe(200);
      expect(await second.app.query('SELECT count(*)::int AS parties FROM parties')).toEqual([{ parties: 1 }]);
    } finally {
      await second.app.close();
    }
  });

  it('leaves one operator party and one working link when processes start on one database at once', async () => {
    const shared = await TestApp.freshDatabase(process.env.TEST_ADMIN_DATABASE_URL!);
    const starts = await Promise.all([1, 2, 3].map(() => firstStart({ connectTo: () => shared })));
    try {
      // Nest's loggers are one per process (the last app's), so in this one process the lines may share a file.
      const codes = starts.flatMap(({ log }) => setupLines(log)).map((line) => SETUP_LINE.exec(String(line.msg))![2]);
      expect(new Set(codes).size).toBe(3);
      const answers = await Promise.all(codes.map((code) => check(starts[0].app, code, '203.0.113.2')));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 404, 404]);
      const client = new pg.Client({ connectionString: shared });
      await client.connect();
      try {
        expect((await client.query('SELECT count(*)::int AS parties, count(*) FILTER (WHERE operator)::int AS operator FROM parties')).rows).toEqual([{ parties: 1, operator: 1 }]);
      } finally {
        await client.end();
      }
    } finally {
      await Promise.all(starts.map(({ app }) => app.close()));
    }
  });
});

describe('a cluster', () => {
  let service: ChildProcess | undefined;
  afterAll(() => {
    if (service?.exitCode === null) service.kill('SIGKILL');
  });

  it('prints one link per start across its workers', async () => {
    const entry = builtService();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const log = join(process.env.TEST_LOG_DIR ?? '/tmp', `first-run-cluster-${port}.log`);
    const databaseUrl = await TestApp.freshDatabase(process.env.TEST_ADMIN_DATABASE_URL!);
    service = spawn(process.execPath, [entry], {
      env: { PATH: process.env.PATH, WORKERS: '3', PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: base, DATABASE_URL: databaseUrl, TOKEN_SECRET: TEST_TOKEN_SECRET, LOG_FILE: log },
      stdio: 'ignore',
    });
    let ready = false;
    for (let i = 0; i < 300 && !ready; i++) {
      ready = await fetch(`${base}/health/ready`).then((response) => response.ok, () => false);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ready).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // every worker has started (each logs before it listens)
    expect(new Set(readFileSync(log, 'utf8').split('\n').filter((line) => line.includes('"Nest application successfully started"')).map((line) => JSON.parse(line).pid)).size).toBe(3);
    const lines = setupLines(log);
    expect(lines).toHaveLength(1);
    const [, origin, code] = SETUP_LINE.exec(String(lines[0].msg))!;
    expect(origin).toBe(base);
    expect((await post(base, '/api/v1/setup/link', { code }, '203.0.113.3')).status).toBe(200);
  }, 60_000);
});
