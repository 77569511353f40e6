import type { OpenIdScope } from '../model/code-flow-scope.js';
import type { ScopeSet } from '../model/scope.js';

const OPENID_WORDS: Record<OpenIdScope, string> = {
  openid: 'Know who you are (your account id)',
  profile: 'See your name',
  offline_access: 'Stay connected while you are away',
};
const VERBS: Record<string, string> = { read: 'Read', use: 'Use', manage: 'Read and change' };
const MODULES: Record<string, string> = { auth: 'logins, clients and keys', data: 'data', registrant: 'registrant services' };

/** What a consent page lists, in words; the scope's own text beside each, so nothing is hidden behind a phrase. */
export function scopeWords(openid: readonly OpenIdScope[], scopes: ScopeSet | undefined, acting: boolean): string[] {
  const words = openid.map((scope) => OPENID_WORDS[scope]);
  if (scopes === undefined) {
    if (acting) words.push('Everything you may do for the party, within what the application may hold');
    return words;
  }
  for (const scope of scopes.toArray()) {
    const [verb, module, ...rest] = scope.split(':');
    words.push(`${VERBS[verb] ?? verb} ${MODULES[module] ?? module}${rest.length > 0 ? ` (${rest.join(':')})` : ''} — ${scope}`);
  }
  return words;
}
