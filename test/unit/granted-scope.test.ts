import { OAuthError } from '../../src/common/protocol-errors.js';
import { ScopeSet } from '../../src/model/scope.js';
import { grantedScope } from '../../src/oauth/grants/granted-scope.js';

describe('grantedScope', () => {
  const words = { exceeds: 'more than held', none: 'nothing held' };
  const held = ScopeSet.parse('manage:data read:auth');

  it('grants everything held without a request, and exactly the covered part of a request', () => {
    expect(grantedScope(held, undefined, words).toString()).toBe('manage:data read:auth');
    expect(grantedScope(held, ScopeSet.parse('read:data:party'), words).toString()).toBe('read:data:party');
  });

  it('refuses a request beyond what is held, and an empty grant, with the words given', () => {
    const refused = (requested: ScopeSet | undefined, from = held) => {
      try {
        grantedScope(from, requested, words);
      } catch (error) {
        expect(error).toBeInstanceOf(OAuthError);
        return `${(error as OAuthError).code}: ${(error as OAuthError).description}`;
      }
      return 'granted';
    };
    expect(refused(ScopeSet.parse('manage:auth'))).toBe('invalid_scope: more than held');
    expect(refused(undefined, ScopeSet.EMPTY)).toBe('invalid_scope: nothing held');
  });
});
