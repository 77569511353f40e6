import { request } from 'node:http';
import { TEST_PASSWORDS, TestApp } from '../support/test-app.js';

const LOGIN = '/api/v1/registrant/auth/token';
const PASSWORD = TEST_PASSWORDS[0];
const LIMITS = { pair: 3, user: 6, address: 10 };

interface Answer {
  readonly status: number;
  readonly retryAfter: number | undefined;
  readonly body: any;
}

/** A password login over HTTP, naming the client in X-Forwarded-For and, optionally, sent from another loopback address. */
function login(app: TestApp, username: string, password: string, options: { forwardedFor?: string; localAddress?: string } = {}): Promise<Answer> {
  const { port } = new URL(app.baseUrl);
  const body = JSON.stringify({ username, password });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  if (options.forwardedFor !== undefined) headers['x-forwarded-for'] = options.forwardedFor;
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port: Number(port), method: 'POST', path: LOGIN, headers, localAddress: options.localAddress }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const retryAfter = incoming.headers['retry-after'];
        resolve({ status: incoming.statusCode!, retryAfter: retryAfter === undefined ? undefined : Number(retryAfter), body: text === '' ? undefined : JSON.parse(text) });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const count = (answers: readonly Answer[], status: number) => answers.filter((answer) => answer.status === status).length;

describe('password-login throttling', () => {
  let app: TestApp;
  let operatorToken: string;

  beforeAll(async () => {
    app = await TestApp.start({
      env: {
        TRUST_PROXY: '1', // each test names its clients in X-Forwarded-For
        LOGIN_THROTTLE_MAX_FAILURES: String(LIMITS.pair),
        LOGIN_THROTTLE_USER_MAX_FAILURES: String(LIMITS.user),
        LOGIN_THROTTLE_ADDRESS_MAX_FAILURES: String(LIMITS.address),
        LOGIN_THROTTLE_LOCKOUT: '60',
        // This process's share of the cores is then one hash at a time, so its queue holds 32.
        WORKERS: '64',
      },
    });
    operatorToken = await app.accessToken(app.operator);
  });
  afterAll(() => app.close());

  async function person(username: string): Promise<void> {
    const entity = await app.adminCreate('/admin/entities', { name: username, type: 'person', business_id: username, business_id_type: 'email' });
    expect((await app.api('PUT', `/admin/entities/${entity.id}/credentials`, operatorToken, { username, password: PASSWORD })).status).toBe(204);
  }
  const from = (forwardedFor: string) => ({ forwardedFor });

  it('admits only as many concurrent guesses as the pair allows: 40 at once get 3 verdicts and 37 refusals, then the right password is refused too', async () => {
    await person('race@throttle.test');
    const address = '203.0.113.10';
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => login(app, 'race@throttle.test', `wrong guess ${i}`, from(address))));
    expect({ 401: count(answers, 401), 429: count(answers, 429) }).toEqual({ 401: LIMITS.pair, 429: 40 - LIMITS.pair });
    for (const answer of answers.filter(({ status }) => status === 429)) {
      expect(answer.retryAfter).toBeGreaterThanOrEqual(1);
      expect(answer.body).toEqual({ errors: [{ base: [expect.any(String)] }] });
    }

    const locked = await login(app, 'race@throttle.test', PASSWORD, from(address));
    expect(locked.status).toBe(429);
    expect(locked.retryAfter).toBeGreaterThan(55);
    // Every admitted attempt was settled, and the refused ones were never charged.
    expect(await app.query(`SELECT key, failures, pending, locked_until > now() AS locked FROM login_throttles WHERE key LIKE '%race@%' OR key = $1 ORDER BY key`, [`addr:${address}`])).toEqual([
      { key: `addr:${address}`, failures: LIMITS.pair, pending: 0, locked: null },
      { key: `pair:race@throttle.test|${address}`, failures: 0, pending: 0, locked: true },
      { key: 'user:race@throttle.test', failures: LIMITS.pair, pending: 0, locked: null },
    ]);
  });

  it('locks a username guessed from many addresses for new addresses, but not where its owner has logged in before', async () => {
    await person('spread@throttle.test');
    const home = '198.51.100.77';
    expect((await login(app, 'spread@throttle.test', PASSWORD, from(home))).status).toBe(201);
    for (let i = 1; i <= LIMITS.user; i++) expect((await login(app, 'spread@throttle.test', `guess ${i}`, from(`192.0.2.${i}`))).status).toBe(401);

    const elsewhere = await login(app, 'spread@throttle.test', PASSWORD, from('192.0.2.100'));
    expect(elsewhere.status).toBe(429);
    expect(elsewhere.retryAfter).toBeGreaterThan(55);
    expect((await login(app, 'spread@throttle.test', PASSWORD, from(home))).status).toBe(201);

    // At home only the pair's own limit applies, and it holds.
    for (let i = 1; i <= LIMITS.pair; i++) expect((await login(app, 'spread@throttle.test', `home guess ${i}`, from(home))).status).toBe(401);
    expect((await login(app, 'spread@throttle.test', PASSWORD, from(home))).status).toBe(429);
  });

  it('stops an address spraying usernames, but not a person who has logged in from it before', async () => {
    const office = '198.51.100.200';
    await person('regular@throttle.test');
    await person('newcomer@throttle.test');
    expect((await login(app, 'regular@throttle.test', PASSWORD, from(office))).status).toBe(201);
    for (let i = 1; i <= LIMITS.address; i++) expect((await login(app, `sprayed${i}@throttle.test`, 'guess', from(office))).status).toBe(401);

    expect((await login(app, 'sprayed-more@throttle.test', 'guess', from(office))).status).toBe(429);
    expect((await login(app, 'newcomer@throttle.test', PASSWORD, from(office))).status).toBe(429);
    expect((await login(app, 'regular@throttle.test', PASSWORD, from(office))).status).toBe(201);
    expect((await login(app, 'newcomer@throttle.test', PASSWORD, from('198.51.100.201'))).status).toBe(201);
  });

  it('lets different people log in at once from one address where someone else has been failing', async () => {
    const proxy = '198.51.100.50';
    const people = Array.from({ length: 6 }, (_, i) => `colleague${i}@throttle.test`);
    for (const username of people) await person(username);
    for (let i = 1; i <= LIMITS.pair; i++) expect((await login(app, 'target@throttle.test', `guess ${i}`, from(proxy))).status).toBe(401);

    const answers = await Promise.all(people.map((username) => login(app, username, PASSWORD, from(proxy))));
    expect(answers.map(({ status }) => status)).toEqual(people.map(() => 201));
  });

  it('counts attempts in flight against the limit, and forgets those of a process that died a minute ago', async () => {
    await person('inflight@throttle.test');
    const address = '203.0.113.30';
    const pair = `pair:inflight@throttle.test|${address}`;
    await app.query('INSERT INTO login_throttles (key, pending, last_admitted_at) VALUES ($1, $2, now())', [pair, LIMITS.pair]);
    const busy = await login(app, 'inflight@throttle.test', PASSWORD, from(address));
    expect({ status: busy.status, retryAfter: busy.retryAfter }).toEqual({ status: 429, retryAfter: 1 });

    await app.query("UPDATE login_throttles SET last_admitted_at = now() - interval '61 seconds' WHERE key = $1", [pair]);
    expect((await login(app, 'inflight@throttle.test', PASSWORD, from(address))).status).toBe(201);
    expect(await app.query('SELECT pending FROM login_throttles WHERE key = $1', [pair])).toEqual([{ pending: 0 }]);
  });

  it('answers 503 with Retry-After when the hash queue is full, and counts no failure for those attempts', async () => {
    const attempts = Array.from({ length: 100 }, (_, i) => ({ username: `flood${i}@throttle.test`, address: `100.64.0.${i + 1}` }));
    const answers = await Promise.all(attempts.map(({ username, address }) => login(app, username, 'guess', from(address))));
    expect(count(answers, 401) + count(answers, 503)).toBe(attempts.length);
    expect(count(answers, 503)).toBeGreaterThan(0);
    for (const answer of answers.filter(({ status }) => status === 503)) {
      expect(answer.body).toEqual({ errors: [{ base: ['The service is temporarily unavailable; retry shortly'] }] });
      expect(answer.retryAfter).toBeGreaterThan(0);
    }

    const rows = await app.query<{ key: string; failures: number; pending: number }>("SELECT key, failures, pending FROM login_throttles WHERE key LIKE '%flood%' OR key LIKE 'addr:100.64.%'");
    const failuresOf = new Map(rows.map(({ key, failures }) => [key, failures]));
    expect(rows.every(({ pending }) => pending === 0)).toBe(true);
    attempts.forEach(({ username, address }, i) => {
      const failures = answers[i].status === 401 ? 1 : 0;
      expect({ username, pair: failuresOf.get(`pair:${username}|${address}`), user: failuresOf.get(`user:${username}`), address: failuresOf.get(`addr:${address}`) })
        .toEqual({ username, pair: failures, user: failures, address: failures });
    });
  });

  it('counts the address the one trusted proxy saw, whatever a client writes in front of it', async () => {
    const client = '203.0.113.60';
    for (let i = 1; i <= LIMITS.address; i++) {
      expect((await login(app, `spoofer${i}@throttle.test`, 'guess', from(`10.9.8.${i}, ${client}`))).status).toBe(401);
    }
    expect((await login(app, 'spoofer-more@throttle.test', 'guess', from(`10.9.8.99, ${client}`))).status).toBe(429);
    expect(await app.query("SELECT key FROM login_throttles WHERE key LIKE '%10.9.8.%'")).toEqual([]);
  });

  it('takes X-Forwarded-For only from the proxies TRUST_PROXY lists', async () => {
    const listed = await TestApp.start({ env: { TRUST_PROXY: '127.0.0.1, fd00::/8' } });
    try {
      expect((await login(listed, 'nobody@throttle.test', 'guess', { forwardedFor: '203.0.113.80' })).status).toBe(401);
      expect((await login(listed, 'nobody@throttle.test', 'guess', { forwardedFor: '203.0.113.81', localAddress: '127.0.0.2' })).status).toBe(401);
      const addresses = await listed.query<{ key: string }>("SELECT key FROM login_throttles WHERE key LIKE 'addr:%' ORDER BY key");
      expect(addresses.map(({ key }) => key)).toEqual(['addr:127.0.0.2', 'addr:203.0.113.80']);
    } finally {
      await listed.close();
    }
  });
});
