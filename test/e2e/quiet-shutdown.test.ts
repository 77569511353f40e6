import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtService } from '../support/built-service.js';
import { freePort } from '../support/free-port.js';

/** Whether a process with this pid exists. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * `npm start` in a terminal, then Ctrl-C: the terminal sends SIGINT to every
 * process of the foreground group (the primary, its workers and, unless it has
 * a group of its own, the embedded Postgres). Postgres stopping first cut the
 * workers' connections while they were still closing: warnings, or failed
 * requests, on the way out.
 */
describe('Ctrl-C in a terminal', () => {
  let dataDir: string;
  let service: ChildProcess | undefined;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'token-issuer-quiet-'));
    chmodSync(dataDir, 0o711); // as root, the embedded Postgres runs as `postgres` and must reach its data
  });
  afterAll(() => {
    // A failed test leaves nothing running: the primary, its workers and (in its own group) Postgres.
    if (service?.exitCode === null) {
      const postgres = execFileSync('ps', ['-o', 'pid=', '--ppid', String(service.pid)]).toString().trim().split(/\s+/).filter(Boolean).map(Number);
      for (const pid of [-service.pid!, ...postgres]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops the workers, then the embedded Postgres, with exit 0 and not one warning', async () => {
    const entry = builtService();
    const port = await freePort();
    const env: Record<string, string> = {};
    // The run's own settings (a DATABASE_URL, a LOG_FILE) must not leak in: this is the embedded default.
    for (const name of ['PATH', 'HOME', 'TMPDIR']) if (process.env[name] !== undefined) env[name] = process.env[name]!;
    const child = spawn(process.execPath, [entry], {
      // A process group of its own, as a shell gives a foreground job.
      detached: true,
      env: { ...env, WORKERS: '2', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service = child;
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    let ready = false;
    for (let i = 0; i < 300 && !ready && child.exitCode === null; i++) {
      ready = await fetch(`${base}/health/ready`).then((response) => response.ok, () => false);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect({ ready, stderr }).toEqual({ ready: true, stderr: '' });
    // Some work that reaches the database on both workers.
    for (let i = 0; i < 10; i++) expect((await fetch(`${base}/health/ready`, { headers: { connection: 'close' } })).status).toBe(200);

    const children = execFileSync('ps', ['-o', 'pid=,pgid=,comm=', '--ppid', String(child.pid)]).toString().trim().split('\n').map((line) => line.trim().split(/\s+/));
    const postgres = children.find(([, , command]) => command === 'postgres');
    expect(postgres).toBeDefined();
    // The terminal's signal cannot reach Postgres: only the service stops it.
    expect(Number(postgres![1])).not.toBe(child.pid);

    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.split('\n').filter((line) => line.trim() !== '');
    const loud = lines.filter((line) => (line.startsWith('{') ? JSON.parse(line).level >= 40 : !/^(Embedded Postgres is running|token-issuer listening)/.test(line)));
    expect(loud).toEqual([]);
    // Every process is gone, and Postgres shut down cleanly (it removes its pid file).
    for (const [pid] of children) expect(alive(Number(pid))).toBe(false);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 60_000);
});
