import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/free-port.js';

/**
 * The docs cannot drift from the service: every ```sh block of the pages
 * below runs, in this order, in one bash session (`set -euo pipefail`) in
 * the repository folder, as a reader following them in a fresh clone would
 * run them, against the real service that the README's own block builds and
 * starts. ```console blocks are shown, not run (each says why); outputs are
 * ```text blocks or comments. A page with ```sh blocks must be listed here.
 *
 * The test only chooses the environment (free ports for the service, its
 * Postgres, the example applications and the TLS service of the guides, a
 * temporary DATA_DIR, ISSUER to match, two workers, and the services' log
 * where the suite's log check looks), so that the commands run exactly as
 * printed.
 */
const PAGES = [
  'README.md',
  'docs/guide/jwt-bearer.md',
  'docs/guide/registrant-login.md',
  'docs/guide/token-exchange.md',
  'docs/guide/introspection-revocation.md',
  'docs/guide/finapi-migration.md',
  'docs/guide/authorization-code.md', // defines sign_in, the person's browser, for the three pages after it
  'docs/guide/web-app.md',
  'docs/guide/single-page-app.md',
  'docs/guide/native-app.md',
  'docs/guide/sdk.md',
  'docs/guide/sender-constrained-tokens.md', // after sdk.md, which builds the SDK it uses
  'docs/admin-api.md',
  'docs/portal.md',
  'docs/configuration.md',
  'docs/operations.md', // last: its last block stops the service
];

/** What each page's output must show, beyond every block exiting 0. */
const EXPECTED: Record<string, RegExp[]> = {
  'README.md': [
    /^"ok"$/m,
    /^Open http:\/\/localhost:\d+\/portal\/#\/setup\/[A-Za-z0-9_-]{43} within 30 minutes to make operator@fiso\.test an operator/m,
    /"issued_token_type": "urn:ietf:params:oauth:token-type:access_token"/,
    /"party_name": "Testkraft ORG"/,
    /^Testkraft AS is entity \d+, ORG party \d+, SP party \d+; PC #1 is [0-9a-f-]{36}$/m,
    /role: 'flex_service_provider'/,
    /"party_name":"Testkraft SP"/,
    /"business_id":"1111111111116"/,
    /^401$/m,
    /^\{"status":403,/m,
  ],
  'docs/guide/jwt-bearer.md': [
    /^read:data:party$/m,
    /"error":"invalid_scope"/,
    /"current_role":"flex_entity"/,
    /"current_role":"flex_organisation"/,
    /(The assertion is not signed by a registered key of an active client[^\n]*\n[^]*){2}/,
    /the new key logs in, named by its kid/,
    /^204$/m,
  ],
  'docs/guide/registrant-login.md': [
    /"type":"Bearer"/,
    /Not authorized"\]\}\]\} 401$/m,
    /^401 401 401 401 401 429 $/m,
    /^retry-after: [1-9][0-9]*$/im,
    /"entity_name":"JAN TAMM"/,
    /"entity_name":"MARI MAASIKAS"/,
    /\{"action":"entity\.create","actor":"[0-9a-f-]{36}","via":"eid_login","certificate":true\}/,
    /\{"action":"entity\.create","actor":"[0-9a-f-]{36}","via":"eid_login","certificate":false\}/,
  ],
  'docs/guide/token-exchange.md': [/"owned":false/, /"scope":"read:data"/, /client_id: 'token-exchange'/, /"error":"invalid_target"/, /"error":"invalid_scope"/, /^urn:ietf:params:oauth:token-type:jwt$/m],
  'docs/guide/introspection-revocation.md': [/"active":true,"token_type":"Bearer","scope":"manage:auth manage:data"/, /"active":true,"token_type":"Bearer","scope":"",/, /^\{"active":false\}$/m, /^403$/m, /^200\n\{"active":false\}\n401$/m, /^401\n200$/m],
  'docs/guide/finapi-migration.md': [
    /"token_endpoint_auth_method":"client_secret_basic"[^\n]*"secret_shown_once":43/,
    /^\{"expires_in":3600,"issued_token_type":"urn:ietf:params:oauth:token-type:jwt","token_type":"Bearer","scope":"read:data"\}$/m,
    /"error":"invalid_client"[^\n]* 401$/m,
    /"has_refresh_token":true/,
    /^flex_entity$/m,
    /"error":"invalid_grant"/,
    /"rotated":true/,
    /^\{"process_id":"USER_ONLY","client_reference":"order-4711","role":"flex_service_provider"\}$/m,
    /Not found"\]\}\]\} 404$/m,
    /^204$/m,
  ],
  'docs/guide/authorization-code.md': [/"code_challenge_methods_supported":\["S256"\]/],
  'docs/guide/web-app.md': [
    /the browser shows "Log in"\nthe browser shows "Allow Testkraft web\?"/,
    /^Logged in: Kari Nordmann \(entity \d+\), id_token amr pwd, scope "openid profile read:data"$/m,
    /^Refreshed: .*\(true\)$/m,
    /^Not logged in: \/login$/m,
    /^Log in$/m,
  ],
  'docs/guide/single-page-app.md': [/^Testkraft SPA is [0-9a-f-]{36}$/m, /^token_type dpop, bound to the key [A-Za-z0-9_-]{43}$/m, /^userinfo 200: Kari Nordmann$/m, /^refreshed: dpop/m, /"error":"invalid_token"/],
  'docs/guide/native-app.md': [/the browser shows "Allow Testkraft desktop\?"/, /^You are logged in\. You may close this window\.$/m, /^Logged in as Kari Nordmann; a dpop token for 600 s/m],
  'docs/guide/sender-constrained-tokens.md': [
    /^subject=CN=pc1,O=Testkraft AS,C=NO$/m,
    /"tls_client_certificate_bound_access_tokens":true/,
    /^\{"x5t#S256":"[A-Za-z0-9_-]{43}"\}$/m,
    /^200$/m,
    /does not present"\} 401$/m,
    /"error":"invalid_client"[^\n]* 401$/m,
    /"token_type":"Bearer","scope":"read:data"\}$/m,
    /^200 \{"sub"/m,
    /^userinfo with a proof: 200$/m,
    /DPoP-bound[^\n]* 401$/m,
    /^www-authenticate: DPoP [^\n]*error="invalid_dpop_proof"/im,
    /must send a DPoP proof[^\n]* 400$/m,
  ],
  'docs/guide/sdk.md': [/^one token for both callers$/m, /^200 \{/m, /^\{"meters":\[\],"for_entity":\d+,"acting_for_party":\d+\} 200$/m, /"error":"invalid_token"[^\n]* 401$/m, /"error":"insufficient_scope"[^\n]* 403$/m],
  'docs/admin-api.md': [/^PC #2 logs in$/m, /"status":422/, /"status":403/, /^the old key is refused$/m, /"revoked_before":"/, /"active":false/, /"status":409/, /"action":"credentials\.replace"/],
  'docs/portal.md': [/^content-security-policy: default-src 'none'; script-src 'self'/im],
  'docs/configuration.md': [/^65$/m],
  'docs/operations.md': [/^\{"status":"ok"/m, /^token_issuer_logins_total\{grant="[a-z-]+",outcome="success"\} [1-9]/m, /^2$/m, /^refused: the next key is younger than 300 s$/m, /^the service exited with status 0$/m],
};

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MARK = '@@docs-block';
const SESSION_TIMEOUT_MS = 480_000;

interface Block {
  readonly page: string;
  /** Line of the opening fence, 1-based. */
  readonly line: number;
  readonly source: string;
}

/** The ```sh blocks of a page: a fence of exactly ```sh opens one, a bare ``` closes it. */
function shBlocks(page: string): Block[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trimEnd() !== '```sh') continue;
    const end = lines.findIndex((line, j) => j > i && line.trimEnd() === '```');
    if (end === -1) throw new Error(`${page}:${i + 1}: a \`\`\`sh block is not closed`);
    blocks.push({ page, line: i + 1, source: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? markdownFiles(path) : name.endsWith('.md') ? [path] : [];
  });
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The whole session: a preamble, then each block after its marker. */
function script(blocks: Block[]): string {
  return [
    'set -euo pipefail',
    'exec 2>&1',
    // The test run has installed the dependencies already (npm test runs after npm install or npm ci),
    // so the README's `npm install` is skipped; every other npm command runs as printed.
    'npm() { if [ "${1:-}" = install ]; then echo "(docs test: npm install skipped, the test run has installed)"; else command npm "$@"; fi; }',
    `cd ${quote(ROOT)}`,
    ...blocks.flatMap((block, index) => [`printf '\\n${MARK} %d\\n' ${index}`, `# ${block.page}:${block.line}`, block.source]),
    `printf '\\n${MARK} end\\n'`,
  ].join('\n');
}

interface SessionResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
  readonly timedOut: boolean;
}

describe('the commands of the README and docs/', () => {
  const blocks = PAGES.flatMap(shBlocks);
  let workDir: string | undefined;
  let walkthroughsBefore = new Set<string>();
  let result: SessionResult;
  /** Output of each block by index; undefined for blocks that never started. */
  let outputs: (string | undefined)[] = [];
  let finished = false;
  let issuer: string;

  beforeAll(async () => {
    for (const tool of ['bash', 'curl', 'jq', 'openssl']) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`The docs need ${tool} (apt-get install ${tool}); .ci/run installs jq`);
    }
    walkthroughsBefore = new Set(readdirSync(ROOT).filter((name) => name.startsWith('walkthrough.')));
    workDir = mkdtempSync(join(tmpdir(), 'token-issuer-docs-'));
    // As root the embedded Postgres runs as `postgres`, which must pass through to DATA_DIR.
    chmodSync(workDir, 0o711);
    const [port, postgresPort, downstreamPort, appPort, tlsPort, tlsPostgresPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    issuer = `http://localhost:${port}`;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? workDir,
      LANG: 'C.UTF-8',
      PORT: String(port),
      EMBEDDED_POSTGRES_PORT: String(postgresPort),
      DATA_DIR: join(workDir, 'data'),
      ISSUER: issuer,
      DOWNSTREAM_PORT: String(downstreamPort),
      // The example applications of the authorization-code guides, and the TLS service of sender-constrained-tokens.md.
      APP_PORT: String(appPort),
      TLS_PORT: String(tlsPort),
      TLS_POSTGRES_PORT: String(tlsPostgresPort),
      // Two workers, as on the development machine, whatever the cores of the machine running the tests.
      WORKERS: '2',
      // The service's log goes where the global teardown looks for secrets.
      LOG_LEVEL: 'debug',
      ...(process.env.TEST_LOG_DIR ? { LOG_FILE: join(process.env.TEST_LOG_DIR, `docs-commands-${port}.log`) } : {}),
    };
    const session = join(workDir, 'session.sh');
    writeFileSync(session, script(blocks));
    result = await runSession(session, env);
    const parts = result.output.split(new RegExp(`\\n?${MARK} (\\d+|end)\\n`));
    // parts: [before the first marker, index, output, index, output, …]
    outputs = blocks.map(() => undefined);
    for (let i = 1; i < parts.length; i += 2) {
      if (parts[i] === 'end') finished = true;
      else outputs[Number(parts[i])] = parts[i + 1];
    }
  }, SESSION_TIMEOUT_MS + 60_000);

  afterAll(() => {
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
    for (const name of readdirSync(ROOT)) {
      if (name.startsWith('walkthrough.') && !walkthroughsBefore.has(name)) rmSync(join(ROOT, name), { recursive: true, force: true });
    }
  });

  it.each(PAGES)('%s: every sh block runs and exits 0, and the output shows what the page says', (page) => {
    const indexes = blocks.map((block, index) => (block.page === page ? index : -1)).filter((index) => index >= 0);
    const failed = indexes.find((index) => !finished && outputs[index] !== undefined && outputs[index + 1] === undefined);
    if (failed !== undefined) {
      const block = blocks[failed];
      throw new Error(`${block.page}:${block.line}: this block failed (exit ${result.status ?? result.signal}${result.timedOut ? ', timed out' : ''}):\n${block.source}\n--- its output ---\n${outputs[failed]}`);
    }
    const notRun = indexes.filter((index) => outputs[index] === undefined);
    if (notRun.length > 0) throw new Error(`${page}: not reached, an earlier block failed (${notRun.length} blocks not run)`);
    const output = indexes.map((index) => outputs[index]).join('\n');
    for (const expected of EXPECTED[page] ?? []) expect(output).toMatch(expected);
  });

  it('runs the session to its end, with exit status 0', () => {
    expect({ finished, status: result.status, timedOut: result.timedOut }).toEqual({ finished: true, status: 0, timedOut: false });
  });

  it('leaves the service stopped', async () => {
    await expect(fetch(`${issuer}/health/live`)).rejects.toThrow();
  });

  it('lists every page of docs/ that holds sh blocks, and runs blocks from every listed page', () => {
    const unlisted = markdownFiles('docs').filter((page) => !PAGES.includes(page) && shBlocks(page).length > 0);
    expect(unlisted).toEqual([]);
    for (const page of PAGES) expect(shBlocks(page).length).toBeGreaterThan(0);
    // A fence that looks runnable but is not run would let a page drift unseen.
    const fences = ['README.md', ...markdownFiles('docs')].flatMap((page) =>
      readFileSync(join(ROOT, page), 'utf8').split('\n').filter((line) => /^```(bash|shell|zsh)\s*$/.test(line)).map((line) => `${page}: ${line}`),
    );
    expect(fences).toEqual([]);
  });

  it('leaves no hard-coded localhost:3000 in the commands: they use $ISSUER', () => {
    const hardCoded = blocks.filter((block) => /localhost:3000/.test(block.source.replace(/\$\{ISSUER:-http:\/\/localhost:3000\}/g, '').replace(/process\.env\.ISSUER \?\? 'http:\/\/localhost:3000'/g, '')));
    expect(hardCoded.map((block) => `${block.page}:${block.line}`)).toEqual([]);
  });
});

/**
 * Runs the script in bash in a process group of its own, so that whatever it
 * started in the background (the service and its Postgres, downstream
 * servers) is stopped afterwards however the script ended.
 */
async function runSession(scriptFile: string, env: Record<string, string>): Promise<SessionResult> {
  const child = spawn('bash', ['--noprofile', '--norc', scriptFile], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise((resolve) => child.once('close', resolve));
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    signalGroup(child.pid!, 'SIGTERM');
  }, SESSION_TIMEOUT_MS);
  const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, sig) => resolve([code, sig])));
  clearTimeout(timer);
  await stopGroup(child.pid!);
  // Background processes may hold the pipes a moment longer; what they write after the session ended does not matter.
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  return { status, signal, output: Buffer.concat(chunks).toString('utf8'), timedOut };
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // the group is gone
  }
}

/** SIGTERM to what is left of the group (a graceful stop of the service and its Postgres), SIGKILL after 30 s. */
async function stopGroup(pid: number): Promise<void> {
  if (!signalGroup(pid, 'SIGTERM')) return;
  for (let waited = 0; waited < 30_000; waited += 200) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (!signalGroup(pid, 0)) return;
  }
  signalGroup(pid, 'SIGKILL');
}
