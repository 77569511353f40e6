/** The issuer's cookies live under its authorization endpoint, and nowhere else. */
export const COOKIE_PATH = '/auth/authorize';
/** The login session at the issuer: the password is not asked again while it lives. */
export const SESSION_COOKIE = 'ti_session';

/**
 * HttpOnly, SameSite=Lax (the return from an application is a top-level
 * navigation, which Lax lets through), scoped to the authorization
 * endpoint's path, and Secure whenever the issuer is served over https.
 */
export function setCookie(name: string, value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${name}=${value}; Path=${COOKIE_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function clearCookie(name: string, secure: boolean): string {
  return setCookie(name, '', 0, secure);
}
