import { OAuthError } from '../../common/protocol-errors.js';
import type { ScopeSet } from '../../model/scope.js';

/**
 * The scope a grant issues: everything `held`, or the `requested` part of it.
 * Asking for more than is held, or ending with nothing, is invalid_scope
 * (never silently narrowed); `refusals` word both for the grant's caller.
 */
export function grantedScope(held: ScopeSet, requested: ScopeSet | undefined, refusals: { readonly exceeds: string; readonly none: string }): ScopeSet {
  if (requested !== undefined && !held.coversAll(requested)) throw new OAuthError('invalid_scope', refusals.exceeds);
  const granted = requested === undefined ? held : held.intersect(requested);
  if (granted.isEmpty) throw new OAuthError('invalid_scope', refusals.none);
  return granted;
}
