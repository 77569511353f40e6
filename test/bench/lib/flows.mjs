// The authorization code flow without a browser (form posts, as test/support/code-flow.ts's FormBrowser), for seeding
// login sessions and refresh-token families, and the steps the code-flow and refresh-token scenarios send.
import { createHash, randomBytes } from 'node:crypto';
import { FORM, PASSWORD } from './seed.mjs';

export const CALLBACK = 'https://app.bench.test/callback';
/** The login scope: an access token and an id_token. */
export const LOGIN_SCOPE = 'openid profile';
/** A family's scope: an API's access token and refresh tokens, no id_token. */
export const REFRESH_SCOPE = 'offline_access read:data';

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizePath(clientId, challenge, scope) {
  const query = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256', scope, state: 's', nonce: 'n' });
  return `/auth/authorize?${query}`;
}

/** The form fields of the first form of a page. */
function formFields(html) {
  const fields = {};
  for (const [input] of html.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input)?.[1];
    if (name !== undefined && !/type="radio"/.test(input)) fields[name] = (/value="([^"]*)"/.exec(input)?.[1] ?? '').replace(/&amp;/g, '&');
  }
  return { action: /<form[^>]*action="([^"]*)"/.exec(html)?.[1], fields };
}

/** Our cookies (ti_browser, ti_session) from Set-Cookie headers, into `jar`. */
export function keepCookies(jar, setCookies) {
  for (const line of [setCookies ?? []].flat()) {
    const [name, value] = line.split(';')[0].split('=');
    if (value === '') delete jar[name.trim()];
    else jar[name.trim()] = value;
  }
  return jar;
}
export const cookieHeader = (jar) => Object.entries(jar).map(([name, value]) => `${name}=${value}`).join('; ');

/**
 * One whole flow in a fresh or given browser (a cookie jar): logs in with the password when asked, allows when
 * asked, and returns the code's tokens. Seeding only (fetch, one at a time per browser).
 */
export async function codeFlowTokens(base, client, username, scope, jar = {}) {
  const send = async (path, init = {}) => {
    const response = await fetch(`${base}${path}`, { ...init, redirect: 'manual', headers: { ...init.headers, cookie: cookieHeader(jar) } });
    keepCookies(jar, response.headers.getSetCookie());
    return { status: response.status, location: response.headers.get('location'), html: await response.text() };
  };
  const { verifier, challenge } = pkce();
  let answer = await send(authorizePath(client.clientId, challenge, scope));
  for (let step = 0; step < 6 && !answer.location?.startsWith(CALLBACK); step++) {
    if (answer.location?.startsWith('/')) { answer = await send(answer.location); continue; }
    const { action, fields } = formFields(answer.html);
    if (action === undefined) throw new Error(`code flow: no form (${answer.status}): ${answer.html.slice(0, 300)}`);
    const input = action.endsWith('/login') ? { ...fields, username, password: PASSWORD, action: 'login' } : { ...fields, action: 'allow' };
    answer = await send(action, { method: 'POST', headers: FORM, body: new URLSearchParams(input).toString() });
  }
  const code = new URL(answer.location ?? 'x:').searchParams.get('code');
  if (code === null) throw new Error(`code flow ended without a code: ${answer.status} ${answer.location}`);
  const response = await fetch(`${base}/auth/token`, { method: 'POST', headers: { ...FORM, authorization: client.basic }, body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier }) });
  const tokens = await response.json();
  if (!response.ok) throw new Error(`code exchange failed: ${JSON.stringify(tokens)}`);
  return { tokens, jar };
}

const codeOf = (headers) => /[?&]code=([^&]+)/.exec(headers.location ?? '')?.[1];

/** The token request that redeems the code a flow's context holds. */
function redeemStep(client) {
  return {
    method: 'POST', path: '/auth/token', headers: { ...FORM, authorization: client.basic },
    setupRequest: (req, context) => context.code === undefined ? null : { ...req, body: `grant_type=authorization_code&code=${context.code}&redirect_uri=${encodeURIComponent(CALLBACK)}&code_verifier=${context.verifier}` },
  };
}

/**
 * The code flow in a browser whose login session stands (the steady state): GET /auth/authorize with the session
 * cookie answers 303 with the code, which the client redeems. Browsers are taken in turn from `jars`.
 */
export function sessionFlowSteps(client, jars) {
  let next = 0;
  return [{
    method: 'GET',
    setupRequest: (req, context) => {
      const { verifier, challenge } = pkce();
      context.verifier = verifier;
      return { ...req, path: authorizePath(client.clientId, challenge, LOGIN_SCOPE), headers: { cookie: cookieHeader(jars[next++ % jars.length]) } };
    },
    onResponse: (_status, _body, context, headers) => { context.code = codeOf(headers); },
  }, redeemStep(client)];
}

/**
 * The code flow with the password each time (consent remembered): authorize (303 to the login page, the browser
 * cookie set), the login page, the login form (303 with the code), the token request. People are taken in turn.
 */
export function passwordFlowSteps(client, usernames) {
  let next = 0;
  return [{
    method: 'GET',
    setupRequest: (req, context) => {
      const { verifier, challenge } = pkce();
      Object.assign(context, { verifier, username: usernames[next++ % usernames.length], jar: {} });
      return { ...req, path: authorizePath(client.clientId, challenge, LOGIN_SCOPE) };
    },
    onResponse: (_status, _body, context, headers) => { context.login = headers.location; keepCookies(context.jar, headers['set-cookie']); },
  }, {
    method: 'GET',
    setupRequest: (req, context) => context.login === undefined ? null : { ...req, path: context.login, headers: { cookie: cookieHeader(context.jar) } },
    onResponse: (_status, body, context) => { context.fields = formFields(body ?? '').fields; },
  }, {
    method: 'POST', path: '/auth/authorize/login',
    setupRequest: (req, context) => context.fields?.form_token === undefined ? null : {
      ...req, headers: { ...FORM, cookie: cookieHeader(context.jar) },
      body: new URLSearchParams({ ...context.fields, username: context.username, password: PASSWORD, action: 'login' }).toString(),
    },
    onResponse: (_status, _body, context, headers) => { context.code = codeOf(headers); },
  }, redeemStep(client)];
}

/**
 * Refresh-token rotation: each connection carries its own family forward, sending the refresh token its last
 * answer returned; a connection starts (or, after a failure, restarts) with an unused family from `families`.
 * With one request in flight per connection, an answer and that connection's next request follow each other at
 * once, so the token is handed over in `handOver` without mixing connections.
 */
export function refreshStep(client, families) {
  let handOver;
  let nextFamily = 0;
  return {
    method: 'POST', path: '/auth/token', headers: { ...FORM, authorization: client.basic },
    setupRequest: (req) => {
      let token = handOver;
      handOver = undefined;
      if (token === undefined) {
        if (nextFamily === families.length) throw new Error('refresh-token: out of families');
        token = families[nextFamily++];
      }
      return { ...req, body: `grant_type=refresh_token&refresh_token=${token}` };
    },
    onResponse: (status, body) => { handOver = status === 200 ? JSON.parse(body).refresh_token : undefined; },
  };
}

/**
 * A scenario's DPoP proofs for one request (RFC 9449), one per request (each a signature to verify and a jti row),
 * signed before the scenario with an iat mid-run, within the service's 60 s window: enough for 20,000 requests a
 * second over `seconds` (a proof sent twice is a replay, answered 401). Each request takes the next in its DPoP header.
 */
export function withDpopProofs(prove, request, seconds) {
  const iat = Math.floor(Date.now() / 1000) + Math.floor(seconds / 2);
  const proofs = Array.from({ length: 20_000 * seconds }, () => prove({ ...request, iat }));
  let next = 0;
  return (req) => ({ ...req, headers: { ...req.headers, dpop: proofs[next++ % proofs.length] } });
}

/** DPoP-bound client_credentials of a client_secret_basic client, a proof each. */
export function dpopClientCredentialsStep(base, client, prove, seconds) {
  return { method: 'POST', path: '/auth/token', headers: { ...FORM, authorization: client.basic }, body: 'grant_type=client_credentials', setupRequest: withDpopProofs(prove, { method: 'POST', url: `${base}/auth/token` }, seconds) };
}
