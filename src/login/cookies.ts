import { setCookie, SESSION_COOKIE } from '../authorization/login-cookie.js';

export { clearCookie, setCookie, SESSION_COOKIE } from '../authorization/login-cookie.js';
/** Binds authorization requests to the browser they started in: a page link sent elsewhere opens nothing. */
export const BROWSER_COOKIE = 'ti_browser';
const BROWSER_SECONDS = 600;
const VALUE = /^[A-Za-z0-9_-]{43}$/;

/** Our cookies from a Cookie header; anything not shaped like our values is ignored. */
export function readCookies(header: string | undefined): { session?: string; browser?: string } {
  const found: { session?: string; browser?: string } = {};
  for (const part of (header ?? '').slice(0, 8192).split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (value === undefined || !VALUE.test(value)) continue;
    if (name === SESSION_COOKIE && found.session === undefined) found.session = value;
    if (name === BROWSER_COOKIE && found.browser === undefined) found.browser = value;
  }
  return found;
}

export function browserCookie(value: string, secure: boolean): string {
  return setCookie(BROWSER_COOKIE, value, BROWSER_SECONDS, secure);
}
