import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { builtService } from '../support/built-service.js';
import { freePort } from '../support/free-port.js';
import { TEST_PASSWORDS } from '../support/test-app.js';

/**
 * The "done when", in a real browser: a fresh service as `npm start`
 * runs it (no BOOTSTRAP_*, the embedded Postgres in a new DATA_DIR), its
 * printed setup link opened in Chromium, the operator created with the
 * keyboard alone, and she lands logged in as the operator.
 */

const ARTIFACTS = fileURLToPath(new URL('../artifacts/portal/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PASSWORD = TEST_PASSWORDS[3];
const LINK = /Open (http:\/\/\S+\/portal\/#\/setup\/[A-Za-z0-9_-]{43}) within 30 minutes/;

let service: ChildProcess | undefined;
let browser: Browser;
let link: string;
/** What the service printed: its standard output and error. */
let output = '';

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  const entry = builtService();
  const dataDir = mkdtempSync(join(tmpdir(), 'token-issuer-first-run-'));
  chmodSync(dataDir, 0o711); // as root, the embedded Postgres runs as `postgres` and must reach its data
  const port = await freePort();
  const env: Record<string, string> = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, EMBEDDED_POSTGRES_PORT: String(await freePort()), WORKERS: '2' };
  for (const name of ['PATH', 'HOME', 'TMPDIR']) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  service = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Its output as a terminal shows it; kept where the global teardown checks logs for secrets.
  const copy = createWriteStream(join(process.env.TEST_LOG_DIR ?? tmpdir(), `first-run-browser-${port}.log`));
  service.stdout!.on('data', (chunk: Buffer) => {
    output += chunk;
    copy.write(chunk);
  });
  service.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  for (let i = 0; i < 600 && !/token-issuer listening/.test(output) && service.exitCode === null; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  const found = LINK.exec(output);
  if (found === null) throw new Error(`no setup link in the output:\n${output.slice(-2000)}`);
  link = found[1];
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (service?.exitCode === null) {
    const exited = new Promise((resolve) => service!.once('exit', resolve));
    service.kill('SIGTERM');
    await exited;
  }
});

/** A page that fails the test on a script error or a CSP violation. */
async function newPage(): Promise<{ page: Page; problems: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(message.text());
  });
  return { page, problems, close: () => context.close() };
}

describe('the first five minutes', () => {
  it('opens the printed link, creates the operator with the keyboard, and lands logged in as the operator', async () => {
    const { page, problems, close } = await newPage();
    try {
      await page.goto(link);
      await page.getByRole('heading', { level: 1, name: 'Set up the operator' }).waitFor();
      await page.getByLabel('Your name').focus();
      await page.keyboard.type('Ola Operatør');
      await page.keyboard.press('Tab');
      await page.keyboard.type('ola@fiso.test');
      await page.keyboard.press('Tab');
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press('Tab');
      await page.keyboard.type(`${PASSWORD} typo`);
      await page.keyboard.press('Enter');
      // A mistake is said in words, on the field at fault.
      await page.getByRole('alert').getByText('The two passwords differ. Type the same password in both fields.').waitFor();
      expect(await page.getByLabel('Password again').getAttribute('aria-invalid')).toBe('true');
      await page.getByLabel('Password again').fill('');
      await page.keyboard.type(PASSWORD);
      await page.screenshot({ path: `${ARTIFACTS}first-run-setup.png`, fullPage: true });
      await page.keyboard.press('Enter');

      await page.getByRole('heading', { level: 1, name: 'Entities' }).waitFor();
      const who = await page.locator('.who').innerText();
      expect(who).toBe('Logged in as Ola Operatør acting for FIS Operator (flex_flexibility_information_system_operator)');
      expect(await page.getByRole('table', { name: 'All entities' }).innerText()).toContain('Ola Operatør');
      // The used link has left the address bar and the history.
      expect(page.url()).toMatch(/#\/entities$/);
      await page.screenshot({ path: `${ARTIFACTS}first-run-operator.png`, fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('says in words that a used link cannot be used again', async () => {
    const { page, problems, close } = await newPage();
    try {
      await page.goto(link);
      await page.getByRole('heading', { level: 1, name: 'Set up the operator' }).waitFor();
      await page.getByRole('alert').getByText(/This setup link is unknown, used or expired/).waitFor();
      expect(await page.getByRole('textbox').count()).toBe(0);
      await page.getByRole('link', { name: 'Log in instead' }).click();
      await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('printed the link once, though two workers started', () => {
    expect(output.split('#/setup/').length - 1).toBe(1);
  });
});
