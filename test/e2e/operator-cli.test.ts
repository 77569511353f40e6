import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtService } from '../support/built-service.js';
import { freePort } from '../support/free-port.js';
import { TEST_PASSWORDS, TEST_TOKEN_SECRET, TestApp } from '../support/test-app.js';

const CLI = join(new URL('../../', import.meta.url).pathname, 'dist/src/setup/operator-cli.js');
const USAGE = 'usage: npm run operator -- create <e-mail>';
const LINK = /^Open (\S+)\/portal\/#\/setup\/([A-Za-z0-9_-]{43}) within 30 minutes to make (\S+) an operator \(a one-time link; a new one for this e-mail ends it\)\.$/m;

/** `npm run operator -- …` as the built command runs it, with only the environment given (no DATABASE_URL or LOG_FILE of the run). */
function operatorCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH!, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

async function post(base: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

describe('npm run operator -- create <e-mail>', () => {
  let app: TestApp;
  let env: Record<string, string>;
  beforeAll(async () => {
    builtService();
    // The service with an operator of its own (BOOTSTRAP_*): the command works whether or not one exists.
    app = await TestApp.start({ env: { PUBLIC_URL: 'https://issuer.test' } });
    env = { DATABASE_URL: app.databaseUrl, TOKEN_SECRET: TEST_TOKEN_SECRET, PUBLIC_URL: 'https://issuer.test' };
  }, 120_000);
  afterAll(() => app.close());

  it('prints a one-time link for that e-mail, which makes her an operator on the setup page', async () => {
    const run = await operatorCli(['create', 'Ola@FISO.test'], env);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const [, origin, code, email] = LINK.exec(run.stdout)!;
    expect({ origin, email }).toEqual({ origin: 'https://issuer.test', email: 'ola@fiso.test' });
    expect(run.stdout.split('\n').filter((line) => line !== '')).toHaveLength(1); // no operator person yet: nothing else to say
    expect((await post(app.baseUrl, '/api/v1/setup/link', { code })).body).toEqual({ email: 'ola@fiso.test', expires_at: expect.any(String) });
    const made = await post(app.baseUrl, '/api/v1/setup/operator', { code, name: 'Ola Operatør', email: 'ola@fiso.test', password: TEST_PASSWORDS[3] });
    expect(made).toEqual({ status: 201, body: { entity_id: expect.any(Number), party_id: expect.any(Number), username: 'ola@fiso.test' } });
    expect(await app.query('SELECT action FROM audit_events')).toEqual([{ action: 'operator.setup' }]);
  });

  it('makes another operator when one exists, and a new link for an e-mail ends its unused one', async () => {
    const first = await operatorCli(['create', 'kari@fiso.test'], env);
    const second = await operatorCli(['create', 'kari@fiso.test'], env);
    expect(second.stdout).toMatch(/^There is an operator already; this link makes another\.\n/);
    const [firstCode, secondCode] = [LINK.exec(first.stdout)![2], LINK.exec(second.stdout)![2]];
    expect((await post(app.baseUrl, '/api/v1/setup/link', { code: firstCode })).status).toBe(404);
    expect((await post(app.baseUrl, '/api/v1/setup/link', { code: secondCode })).status).toBe(200);
  });

  it('takes no password and no stray argument, refuses what is not an e-mail or has an account, and says how to use it', async () => {
    for (const args of [[], ['create'], ['make', 'a@b.test'], ['create', 'kari@fiso.test', TEST_PASSWORDS[4]], ['create', '--password=x', 'a@b.test']]) {
      const run = await operatorCli(args, env);
      expect({ args, code: run.code, stdout: run.stdout, stderr: run.stderr.trim() }).toEqual({ args, code: 2, stdout: '', stderr: USAGE });
    }
    const notEmail = await operatorCli(['create', 'not-an-e-mail'], env);
    expect({ code: notEmail.code, stderr: notEmail.stderr.trim() }).toEqual({ code: 2, stderr: `"not-an-e-mail" is not an e-mail address\n${USAGE}` });
    const links = await app.query('SELECT count(*)::int AS n FROM operator_setup_links');
    const taken = await operatorCli(['create', 'OLA@fiso.test'], env);
    expect({ code: taken.code, stdout: taken.stdout }).toEqual({ code: 2, stdout: '' });
    expect(taken.stderr).toMatch(/^ola@fiso\.test belongs to an existing account \(entity \d+\): an operator gives it a membership of the operator party instead\n$/);
    expect(await app.query('SELECT count(*)::int AS n FROM operator_setup_links')).toEqual(links);
  });
});

describe('npm run operator, with the embedded Postgres of a running service', () => {
  let service: ChildProcess | undefined;
  afterAll(async () => {
    if (service?.exitCode === null) {
      const exited = new Promise((resolve) => service!.once('exit', resolve));
      service.kill('SIGTERM');
      await exited;
    }
  });

  it('connects to the running server of DATA_DIR rather than starting a second one', async () => {
    const entry = builtService();
    const dataDir = mkdtempSync(join(tmpdir(), 'token-issuer-operator-cli-'));
    chmodSync(dataDir, 0o711); // as root, the embedded Postgres runs as `postgres` and must reach its data
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()), PUBLIC_URL: base };
    service = spawn(process.execPath, [entry], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, ...env, WORKERS: '1', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    let ready = false;
    for (let i = 0; i < 600 && !ready && service.exitCode === null; i++) {
      ready = await fetch(`${base}/health/ready`).then((response) => response.ok, () => false);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ready).toBe(true);
    const run = await operatorCli(['create', 'ola@fiso.test'], env);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    // The link is in the service's database (the running server's), and the server still runs: the command stopped none.
    const code = LINK.exec(run.stdout)![2];
    expect((await post(base, '/api/v1/setup/link', { code })).body).toEqual({ email: 'ola@fiso.test', expires_at: expect.any(String) });
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
  }, 120_000);
});
