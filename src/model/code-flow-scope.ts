import { ScopeSet, ScopeSyntaxError } from './scope.js';

/** OpenID Connect scopes: allowed to every authorization_code client without being among its scopes. */
export const OPENID_SCOPES = ['openid', 'profile', 'offline_access'] as const;
export type OpenIdScope = (typeof OPENID_SCOPES)[number];

/** Which party the token acts for: none (the person herself), one named, or one she picks on the consent page. */
export type PartyChoice = { readonly kind: 'none' } | { readonly kind: 'pick' } | { readonly kind: 'party'; readonly partyId: number };

/** The scope of an authorization request, by kind. */
export interface CodeFlowScope {
  readonly openid: readonly OpenIdScope[];
  readonly party: PartyChoice;
  /** The scope-grammar scopes asked for; undefined when none (for a party: everything held there). */
  readonly scopes: ScopeSet | undefined;
}

export class CodeFlowScopeError extends Error {
  override name = 'CodeFlowScopeError';
}

const MAX_TOKENS = 70;
const ASSUME_PARTY = /^assume:party(?::([1-9][0-9]{0,15}))?$/;

/**
 * Space-delimited as RFC 6749 §3.3. `assume:party` (she picks) or
 * `assume:party:<id>` at most once; the OpenID scopes; the rest must be
 * scopes of the grammar. Throws CodeFlowScopeError.
 */
export function parseCodeFlowScope(text: string): CodeFlowScope {
  if (text === '') return { openid: [], party: { kind: 'none' }, scopes: undefined };
  const tokens = text.split(' ', MAX_TOKENS + 1);
  if (tokens.length > MAX_TOKENS) throw new CodeFlowScopeError('too many scopes');
  const openid = OPENID_SCOPES.filter((name) => tokens.includes(name));
  const assumes = tokens.filter((token) => token.startsWith('assume:'));
  if (assumes.length > 1) throw new CodeFlowScopeError('assume:party may be asked for once');
  let party: PartyChoice = { kind: 'none' };
  if (assumes.length === 1) {
    const match = ASSUME_PARTY.exec(assumes[0]);
    if (match === null) throw new CodeFlowScopeError(`"${assumes[0].slice(0, 40)}" is not assume:party or assume:party:<party_id>`);
    party = match[1] === undefined ? { kind: 'pick' } : { kind: 'party', partyId: Number(match[1]) };
    if (party.kind === 'party' && !Number.isSafeInteger(party.partyId)) throw new CodeFlowScopeError('the party id is too large');
  }
  const rest = tokens.filter((token) => !token.startsWith('assume:') && !(OPENID_SCOPES as readonly string[]).includes(token));
  if (new Set(tokens).size !== tokens.length) throw new CodeFlowScopeError('a scope is listed twice');
  try {
    return { openid, party, scopes: rest.length === 0 ? undefined : ScopeSet.fromArray(rest) };
  } catch (error) {
    if (error instanceof ScopeSyntaxError) throw new CodeFlowScopeError(error.message);
    throw error;
  }
}

/** The scope string of a decided grant: its OpenID scopes, the party it acts for, and its grammar scopes. */
export function formatCodeFlowScope(openid: readonly string[], partyId: number | null, scopes: ScopeSet): string {
  return [...openid, ...(partyId === null ? [] : [`assume:party:${partyId}`]), ...scopes.toArray()].join(' ');
}

/** A token's scope claim split into its OpenID scopes and the rest (the scope grammar's). */
export function splitOpenIdScopes(text: string): { readonly openid: readonly OpenIdScope[]; readonly rest: string } {
  const tokens = text === '' ? [] : text.split(' ');
  const isOpenId = (token: string) => (OPENID_SCOPES as readonly string[]).includes(token);
  return { openid: tokens.filter(isOpenId) as OpenIdScope[], rest: tokens.filter((token) => !isOpenId(token)).join(' ') };
}
