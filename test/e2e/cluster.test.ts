import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/free-port.js';
import { TestApp, TEST_TOKEN_SECRET } from '../support/test-app.js';

/** The built service as `npm start` runs it, with two workers, on a database of its own. */
describe('cluster mode', () => {
  let service: ChildProcess;
  let base: string;
  let logFile: string;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'ignore' });
    const databaseUrl = await TestApp.freshDatabase(process.env.TEST_ADMIN_DATABASE_URL!);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    logFile = join(process.env.TEST_LOG_DIR ?? '/tmp', `cluster-${port}.log`);
    service = spawn(process.execPath, ['dist/src/main.js'], {
      env: { ...process.env, NODE_OPTIONS: '', WORKERS: '2', PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, TOKEN_SECRET: TEST_TOKEN_SECRET, LOG_LEVEL: 'debug', LOG_FILE: logFile },
      stdio: 'ignore',
    });
    for (let i = 0; i < 150; i++) {
      if (await fetch(`${base}/health/ready`).then((response) => response.ok, () => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the cluster did not become ready');
  }, 60_000);
  afterAll(() => {
    if (service.exitCode === null) service.kill('SIGKILL');
  });

  const workerPids = () => execFileSync('ps', ['-o', 'pid=', '--ppid', String(service.pid)]).toString().trim().split(/\s+/).filter(Boolean).map(Number);

  it('serves from every worker, and stops them all on SIGTERM without failing a request', async () => {
    const pids = workerPids();
    expect(pids).toHaveLength(2);
    // Each request is logged (at debug) with the pid of the process that served it. Ready means one worker
    // answers; the other may still be starting, so requests go until both have served (or 10 s have passed).
    const servedBy = () => new Set(readFileSync(logFile, 'utf8').split('\n').filter((line) => line.includes('"path":"/auth/jwks"')).map((line) => JSON.parse(line).pid));
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && servedBy().size < pids.length;) {
      await Promise.all(Array.from({ length: 40 }, () => fetch(`${base}/auth/jwks`, { headers: { connection: 'close' } }).then((response) => response.text())));
    }
    expect([...servedBy()].sort()).toEqual([...pids].sort());

    let stopping = false;
    const outcomes: string[] = [];
    const load = Promise.all(Array.from({ length: 8 }, async () => {
      while (!stopping || outcomes.length < 50) {
        const outcome = await fetch(`${base}/auth/jwks`, { headers: { connection: 'close' } }).then((response) => String(response.status), (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message);
        outcomes.push(outcome);
        if (stopping && outcome !== '200') return;
      }
    }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = new Promise<number | null>((resolve) => service.once('exit', (code) => resolve(code)));
    stopping = true;
    service.kill('SIGTERM');
    expect(await exited).toBe(0);
    await load;
    expect(outcomes.filter((outcome) => !['200', '503', 'ECONNREFUSED', 'ECONNRESET'].includes(outcome))).toEqual([]);
    expect(outcomes.filter((outcome) => outcome === '200').length).toBeGreaterThan(50);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(); // every worker is gone
  });
});
