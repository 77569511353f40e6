import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Shapes of what must never be logged: JWTs, registrant tokens, private keys, password hashes, and the test secrets. */
const patterns = (secrets) => [
  ['a JWT', /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./],
  ['a registrant token', /(^|[^A-Za-z0-9_-])A[A-Za-z0-9_-]{150,}/],
  ['a private key', /PRIVATE KEY/],
  ['a password hash', /\$argon2id\$/],
  ['the token secret', new RegExp(secrets.tokenSecret)],
  ...secrets.passwords.map((password) => ['a test password', new RegExp(password.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))]),
];

export default async function globalTeardown() {
  await globalThis.__testPostgres?.stop();
  const runDir = process.env.TOKEN_ISSUER_TEST_RUN_DIR;
  const leaks = await checkLogs(process.env.TEST_LOG_DIR);
  if (leaks.length > 0) {
    // The logs are the evidence: keep them, and only them.
    for (const name of await readdir(runDir)) if (join(runDir, name) !== process.env.TEST_LOG_DIR) await rm(join(runDir, name), { recursive: true, force: true });
    throw new Error(`Secrets reached the logs of the test suite:\n  ${leaks.join('\n  ')}`);
  }
  // The run's temporary folder: the test Postgres's data, the logs, and whatever the tests and the services they started wrote.
  if (runDir) await rm(runDir, { recursive: true, force: true });
}

async function checkLogs(dir) {
  if (!dir) return [];
  const PATTERNS = patterns(JSON.parse(await readFile(new URL('./test-secrets.json', import.meta.url), 'utf8')));
  const files = (await readdir(dir)).filter((name) => name.endsWith('.log'));
  const leaks = [];
  const texts = [];
  let lines = 0;
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    texts.push(text);
    lines += text.split('\n').length - 1;
    for (const [what, pattern] of PATTERNS) if (pattern.test(text)) leaks.push(`${what} in ${join(dir, file)}`);
  }
  // A first start logs its operator setup link on purpose, once, for the operator's terminal (src/setup): its code may
  // appear in that one line and nowhere else (not in a second line, a request path or an error).
  const all = texts.join('\n');
  for (const [, code] of all.matchAll(/\/portal\/#\/setup\/([A-Za-z0-9_-]{43})/g)) {
    if (all.split(code).length - 1 > 1) leaks.push(`a setup link's code beyond its one log line (${code.slice(0, 4)}…)`);
  }
  if (leaks.length === 0) console.log(`\nLog check: ${lines} log lines from ${files.length} service instances hold no token, key, hash, secret or test password, and each setup link only in its one line.`);
  return leaks;
}
