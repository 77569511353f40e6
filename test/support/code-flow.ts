import { createHash, randomBytes } from 'node:crypto';
import type { TestApp } from './test-app.js';

/** A PKCE pair (RFC 7636, S256). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The hidden and named inputs of the first form of a page, and where it posts. */
export function formOf(html: string): { action: string; fields: Record<string, string> } {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (form === null) throw new Error(`no form in: ${html.slice(0, 400)}`);
  const fields: Record<string, string> = {};
  for (const input of form[2].matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
    const type = /type="([^"]*)"/.exec(input[0])?.[1];
    if (name === undefined || (type === 'radio' && !/ checked/.test(input[0]))) continue;
    fields[name] = value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  }
  return { action: form[1], fields };
}

export interface Answer {
  readonly status: number;
  readonly location: string | null;
  readonly html: string;
  readonly headers: Headers;
}

/** A browser without the rendering: it keeps the issuer's cookies and never follows a redirect by itself. */
export class FormBrowser {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly app: TestApp,
    readonly address = '203.0.113.10',
    /** How requests travel: by default plain fetch to the app (a TLS test passes one that presents a client certificate). */
    private readonly transport: (path: string, init: RequestInit) => Promise<Response> = (path, init) => app.fetch(path, { ...init, redirect: 'manual' }),
  ) {}

  get(path: string): Promise<Answer> {
    return this.send(path, { method: 'GET' });
  }

  post(path: string, form: Record<string, string>): Promise<Answer> {
    return this.send(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  }

  /** Follows redirects within the issuer; stops at one leaving it (the application's) or at a page. */
  async follow(answer: Answer): Promise<Answer> {
    let current = answer;
    while (current.location !== null && current.location.startsWith('/')) current = await this.get(current.location);
    return current;
  }

  private async send(path: string, init: RequestInit): Promise<Answer> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const headers = { ...(init.headers as Record<string, string> | undefined), 'x-forwarded-for': this.address, ...(cookie === '' ? {} : { cookie }) };
    const response = await this.transport(path, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = pair.split('=');
      if (attributes.some((attribute) => /max-age=0$/i.test(attribute.trim())) || value === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    return { status: response.status, location: response.headers.get('location'), html: await response.text(), headers: response.headers };
  }
}

/** The query parameters of a redirect to the application. */
export function redirectParameters(location: string | null): Record<string, string> {
  if (location === null) throw new Error('no redirect');
  return Object.fromEntries(new URL(location).searchParams);
}

export interface FlowClient {
  readonly id: string;
  /** Absent for a public client (none): it names itself with client_id. */
  readonly secret?: string;
}

/** Drives the code flow for one client and one person: authorization URLs, the pages, the token endpoint. */
export class CodeFlowDriver {
  constructor(
    private readonly app: TestApp,
    readonly client: FlowClient,
    readonly redirectUri: string,
    readonly person: { readonly username: string; readonly password: string },
  ) {}

  authorizeUrl(parameters: Record<string, string | undefined>): string {
    const query = new URLSearchParams(Object.entries(parameters).filter((entry): entry is [string, string] => entry[1] !== undefined));
    return `/auth/authorize?${query}`;
  }

  /** A complete request of this client, with `extra` changed. */
  request(challenge: string, extra: Record<string, string | undefined> = {}): string {
    return this.authorizeUrl({ response_type: 'code', client_id: this.client.id, redirect_uri: this.redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 'st-1', scope: 'openid profile', nonce: 'n-1', ...extra });
  }

  /** Runs the flow to the application's redirect: logs in when asked, allows when asked (picking `partyChoice`). */
  async untilRedirect(browser: FormBrowser, url: string, options: { password?: string; partyChoice?: number } = {}): Promise<Answer> {
    let answer = await browser.follow(await browser.get(url));
    for (let step = 0; step < 4 && answer.location === null; step++) {
      const { action, fields } = formOf(answer.html);
      const input = action.endsWith('/login')
        ? { ...fields, username: this.person.username, password: options.password ?? this.person.password, action: 'login' }
        : { ...fields, ...(options.partyChoice === undefined ? {} : { party_id: String(options.partyChoice) }), action: 'allow' };
      answer = await browser.follow(await browser.post(action, input));
    }
    return answer;
  }

  /** A code through the whole flow, and its verifier. */
  async code(browser: FormBrowser, extra: Record<string, string | undefined> = {}): Promise<Record<string, string> & { verifier: string }> {
    const { verifier, challenge } = pkce();
    const answer = await this.untilRedirect(browser, this.request(challenge, extra));
    return { ...redirectParameters(answer.location), verifier };
  }

  /** The tokens for a fresh login. */
  async tokens(browser: FormBrowser, extra: Record<string, string | undefined> = {}, headers: Record<string, string> = {}): Promise<Record<string, any>> {
    const { code, verifier } = await this.code(browser, extra);
    const answer = await this.token({ grant_type: 'authorization_code', code, redirect_uri: this.redirectUri, code_verifier: verifier }, this.client, headers);
    if (answer.status !== 200) throw new Error(`code exchange failed: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** POST /auth/token as `as` (Basic with a secret, or client_id for a public client). */
  async token(form: Record<string, string>, as: FlowClient | undefined = this.client, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, any> }> {
    const authorization = as?.secret === undefined ? {} : { authorization: `Basic ${Buffer.from(`${as.id}:${as.secret}`).toString('base64')}` };
    const body = as !== undefined && as.secret === undefined ? { ...form, client_id: as.id } : form;
    const response = await this.app.fetch('/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...authorization, ...headers },
      body: new URLSearchParams(body).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }
}
