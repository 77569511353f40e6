import { ScopeSet, ScopeSyntaxError } from './scope.js';

/**
 * The scope of a token-exchange request: exactly one `assume:party:<party_id>`
 * naming the party to act for, and optionally ordinary scopes (the scope
 * grammar) that narrow what is granted there. `assume:…` is not a scope of
 * the grammar: it selects a party and is never granted or put in a token.
 */
export interface AssumePartyScope {
  readonly partyId: number;
  /** The ordinary scopes asked for beside it; undefined when none (everything held). */
  readonly narrowing: ScopeSet | undefined;
}

export const ASSUME_PARTY_FORM = 'assume:party:<party_id>';

export type AssumePartyScopeReason = 'missing' | 'malformed' | 'repeated' | 'scope_malformed';

export class AssumePartyScopeError extends Error {
  override name = 'AssumePartyScopeError';
  constructor(readonly reason: AssumePartyScopeReason) {
    super(`assume:party scope ${reason}`);
  }
}

const ASSUME_PREFIX = 'assume:';
// A positive decimal integer without leading zeros; the safe-integer check follows.
const ASSUME_PARTY = /^assume:party:([1-9][0-9]{0,15})$/;
/** One assume token plus ScopeSet's 64 scopes. */
const MAX_TOKENS = 65;

/**
 * Throws AssumePartyScopeError. Space-delimited exactly as RFC 6749 §3.3 (and
 * ScopeSet.parse): doubled, leading or trailing spaces are malformed.
 */
export function parseAssumePartyScope(text: string | undefined): AssumePartyScope {
  if (typeof text !== 'string' || text === '') throw new AssumePartyScopeError('missing');
  // The split limit keeps a hostile megabyte of spaces from becoming a million tokens.
  const tokens = text.split(' ', MAX_TOKENS + 1);
  if (tokens.length > MAX_TOKENS) throw new AssumePartyScopeError('scope_malformed');
  const assumes = tokens.filter((token) => token.startsWith(ASSUME_PREFIX));
  if (assumes.length === 0) throw new AssumePartyScopeError('missing');
  if (assumes.length > 1) throw new AssumePartyScopeError('repeated');
  const digits = ASSUME_PARTY.exec(assumes[0])?.[1];
  const partyId = digits === undefined ? NaN : Number(digits);
  if (!Number.isSafeInteger(partyId)) throw new AssumePartyScopeError('malformed');

  const rest = tokens.filter((token) => !token.startsWith(ASSUME_PREFIX));
  if (rest.length === 0) return { partyId, narrowing: undefined };
  try {
    return { partyId, narrowing: ScopeSet.fromArray(rest) };
  } catch (error) {
    if (error instanceof ScopeSyntaxError) throw new AssumePartyScopeError('scope_malformed');
    throw error;
  }
}
