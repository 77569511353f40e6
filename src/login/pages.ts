import { COOKIE_PATH as PAGES_PATH } from '../authorization/login-cookie.js';

/**
 * The issuer's own pages (login, consent, errors, logout): plain HTML forms,
 * no script at all, every value escaped, one stylesheet of our own. Errors
 * are in words, tied to their fields for screen readers (aria-describedby),
 * and the first field with a problem has the focus.
 */

/** A page: its status, its HTML, and the origins its forms may lead to (CSP form-action). */
export interface Page {
  readonly status: number;
  readonly html: string;
  readonly formTargets?: readonly string[];
}

export { COOKIE_PATH as PAGES_PATH } from '../authorization/login-cookie.js';
export const STYLESHEET = `${PAGES_PATH}/pages.css`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${STYLESHEET}">
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const alert = (message: string | undefined) => (message === undefined ? '' : `<p class="error" role="alert" id="problem">${escapeHtml(message)}</p>`);
const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;

export interface LoginPageInput {
  readonly clientName: string;
  readonly handle: string;
  readonly formToken: string;
  readonly username?: string;
  readonly problem?: string;
  /** Offer the ID card (the browser then asks for its certificate and PIN). */
  readonly idCard?: boolean;
}

export function loginPage(input: LoginPageInput, status = 200): Page {
  const described = input.problem === undefined ? '' : ' aria-describedby="problem" aria-invalid="true"';
  return {
    status,
    html: layout('Log in', `<h1>Log in</h1>
<p><strong>${escapeHtml(input.clientName)}</strong> asks you to log in.</p>
${alert(input.problem)}
<form method="post" action="${PAGES_PATH}/login">
${hidden('request', input.handle)}
${hidden('form_token', input.formToken)}
<label for="username">E-mail</label>
<input id="username" name="username" type="email" autocomplete="username" required maxlength="254" autofocus value="${escapeHtml(input.username ?? '')}"${described}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${described}>
<div class="actions">
<button type="submit" name="action" value="login">Log in</button>
<button type="submit" name="action" value="cancel" class="secondary" formnovalidate>Cancel</button>
</div>
${input.idCard === true ? `<p class="or">or</p>
<div class="actions"><button type="submit" name="action" value="id-card" formnovalidate>Log in with ID card</button></div>
` : ''}</form>`),
  };
}

export interface ConsentPageInput {
  readonly clientName: string;
  readonly companyName: string;
  readonly personName: string;
  readonly handle: string;
  readonly formToken: string;
  /** What the client asks for, in words. */
  readonly asks: readonly string[];
  /** The party it will act for, named; or the parties she may pick from. */
  readonly party: { readonly kind: 'none' } | { readonly kind: 'named'; readonly name: string } | { readonly kind: 'pick'; readonly choices: readonly { id: number; name: string }[] };
  readonly problem?: string;
}

export function consentPage(input: ConsentPageInput, status = 200): Page {
  const asks = input.asks.map((ask) => `<li>${escapeHtml(ask)}</li>`).join('\n');
  let party = '';
  if (input.party.kind === 'named') party = `<p>It will act for <strong>${escapeHtml(input.party.name)}</strong>.</p>`;
  if (input.party.kind === 'pick') {
    const choices = input.party.choices.map((choice, index) =>
      `<div class="choice"><input type="radio" name="party_id" id="party-${choice.id}" value="${choice.id}"${index === 0 ? ' checked' : ''} required><label for="party-${choice.id}">${escapeHtml(choice.name)}</label></div>`).join('\n');
    party = `<fieldset${input.problem === undefined ? '' : ' aria-describedby="problem"'}><legend>Act for which party?</legend>\n${choices}\n</fieldset>`;
  }
  return {
    status,
    html: layout(`Allow ${input.clientName}?`, `<h1>Allow ${escapeHtml(input.clientName)}?</h1>
<p><strong>${escapeHtml(input.clientName)}</strong>, an application of ${escapeHtml(input.companyName)}, asks to:</p>
<ul>
${asks}
</ul>
${alert(input.problem)}
<form method="post" action="${PAGES_PATH}/consent">
${hidden('request', input.handle)}
${hidden('form_token', input.formToken)}
${party}
<p class="who">You are logged in as ${escapeHtml(input.personName)}.</p>
<div class="actions">
<button type="submit" name="action" value="allow">Allow</button>
<button type="submit" name="action" value="deny" class="secondary" formnovalidate>Deny</button>
</div>
</form>`),
  };
}

/** A dead end in words: nothing is sent anywhere. */
export function messagePage(title: string, message: string, status: number): Page {
  return { status, html: layout(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">${escapeHtml(message)}</p>`) };
}

export function logoutConfirmPage(formToken: string): Page {
  return {
    status: 200,
    html: layout('Log out', `<h1>Log out?</h1>
<p>You are logged in here. Log out of every application you logged in to through this login?</p>
<form method="post" action="${PAGES_PATH}/logout">
${hidden('form_token', formToken)}
<div class="actions"><button type="submit" name="action" value="logout">Log out</button></div>
</form>`),
  };
}

export const PAGES_CSS = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; display: flex; justify-content: center; }
main { width: min(28rem, 100% - 2rem); margin: 3rem 1rem; }
h1 { font-size: 1.5rem; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input[type=email], input[type=password] { display: block; width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; margin-top: .25rem; }
fieldset { margin-top: 1rem; }
.choice { display: flex; gap: .5rem; align-items: center; }
.choice label { display: inline; margin: 0; font-weight: normal; }
.actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
button { font: inherit; padding: .5rem 1.25rem; cursor: pointer; }
button.secondary { background: transparent; }
:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
.error { border-left: 4px solid #c5221f; padding: .5rem .75rem; background: color-mix(in srgb, #c5221f 12%, transparent); }
.who { color: GrayText; }
.or { margin: 1.25rem 0 0; color: GrayText; }
`;
