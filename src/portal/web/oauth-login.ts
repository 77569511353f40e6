import { GRANT_TYPE, PORTAL_CLIENT_ID } from '../../contract/urns.js';
import type { TokenResponse } from '../../contract/wire.js';
import { request } from './api.js';

/**
 * The portal as a public OAuth client of its own issuer: the authorization
 * code flow with PKCE (S256). The person logs in on the issuer's page, never
 * here; the portal never sees a password. Tokens stay in memory. Across the
 * redirect only the pending request (state and verifier, useless without the
 * one-time code) waits in sessionStorage, with the party last acted for, so
 * that a reload renews silently through the issuer's login session.
 */
const PENDING = 'portal.pending-login';
const LAST_PARTY = 'portal.last-party';
const LOGOUT_STATE = 'portal.logout-state';
const CARRIED_ALERT = 'portal.alert';

interface Pending {
  readonly state: string;
  readonly verifier: string;
  readonly partyId?: number;
  readonly returnTo?: string;
}

export interface LoginResult {
  readonly token: string;
  readonly idToken: string;
  readonly expiresAt: number;
  readonly scope: string;
  readonly partyId?: number;
  readonly returnTo?: string;
}

const redirectUri = () => `${location.origin}/portal/`;
const random = (bytes: number) => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Leaves for the issuer: to log in (or, with a live login session, straight back with a code). */
export async function beginLogin(options: { partyId?: number; returnTo?: string; prompt?: 'login' } = {}): Promise<void> {
  const verifier = random(32);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const pending: Pending = { state: random(16), verifier, partyId: options.partyId, returnTo: options.returnTo };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const scope = options.partyId === undefined ? 'openid profile' : `openid profile assume:party:${options.partyId}`;
  const query = new URLSearchParams({
    response_type: 'code', client_id: PORTAL_CLIENT_ID, redirect_uri: redirectUri(), scope, state: pending.state,
    code_challenge: challenge, code_challenge_method: 'S256', ...(options.prompt === undefined ? {} : { prompt: options.prompt }),
  });
  location.assign(`/auth/authorize?${query}`);
}

/**
 * The issuer's answer in the URL, if this load is one: the tokens, or the
 * error in words. The URL is cleaned first, so the code is never bookmarked
 * or reloaded. Null when this load is no answer.
 */
export async function completeLogin(): Promise<LoginResult | { error: string; partyId?: number } | null> {
  const query = new URLSearchParams(location.search);
  if (!query.has('code') && !query.has('error')) return null;
  const stored = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const pending = stored === null ? null : (JSON.parse(stored) as Pending);
  history.replaceState(null, '', `/portal/${pending?.returnTo ?? ''}`);
  // RFC 9207 and the state: the answer must be from this issuer, to this request.
  if (pending === null || query.get('state') !== pending.state || query.get('iss') !== location.origin) {
    return { error: 'The login answer did not match the login this page started. Please log in again.' };
  }
  if (query.has('error')) return { error: loginError(query.get('error')!, query.get('error_description')), partyId: pending.partyId };
  const { body } = await request('POST', '/auth/token', {
    form: { grant_type: GRANT_TYPE.authorizationCode, client_id: PORTAL_CLIENT_ID, code: query.get('code')!, redirect_uri: redirectUri(), code_verifier: pending.verifier },
  });
  const tokens = body as unknown as TokenResponse;
  if (pending.partyId !== undefined) sessionStorage.setItem(LAST_PARTY, String(pending.partyId));
  return { token: tokens.access_token, idToken: tokens.id_token ?? '', expiresAt: Date.now() + tokens.expires_in * 1000, scope: tokens.scope, partyId: pending.partyId, returnTo: pending.returnTo };
}

function loginError(code: string, description: string | null): string {
  if (code === 'access_denied') return 'The login was cancelled.';
  return description === null ? `The login did not succeed (${code}).` : `${description.replace(/\.?$/, '.')}`;
}

/** A message for the page after the next redirect (memory does not survive it). */
export function carryAlert(message: string): void {
  sessionStorage.setItem(CARRIED_ALERT, message);
}

export function takeCarriedAlert(): string | undefined {
  const message = sessionStorage.getItem(CARRIED_ALERT) ?? undefined;
  sessionStorage.removeItem(CARRIED_ALERT);
  return message;
}

/** The party acted for before this reload, if any. */
export function lastParty(): number | undefined {
  const stored = Number(sessionStorage.getItem(LAST_PARTY));
  return Number.isSafeInteger(stored) && stored > 0 ? stored : undefined;
}

export function forgetParty(): void {
  sessionStorage.removeItem(LAST_PARTY);
}

/** Logs out at the issuer (its login session, and every token of it), then comes back here. */
export function endSession(idToken: string): void {
  forgetParty();
  const state = random(16);
  sessionStorage.setItem(LOGOUT_STATE, state);
  location.assign(`/auth/authorize/logout?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: redirectUri(), state })}`);
}

/** Whether this load is the return from our own logout. */
export function returnedFromLogout(): boolean {
  const query = new URLSearchParams(location.search);
  const expected = sessionStorage.getItem(LOGOUT_STATE);
  if (!query.has('state') || query.has('code') || query.has('error')) return false;
  sessionStorage.removeItem(LOGOUT_STATE);
  history.replaceState(null, '', '/portal/');
  return expected !== null && query.get('state') === expected;
}
