import { Scope, ScopeSet, ScopeSyntaxError } from '../../src/crypto/scope.js';

const scope = (text: string) => {
  const parsed = Scope.parse(text);
  if (parsed === null) throw new Error(`unparseable ${text}`);
  return parsed;
};

describe('Scope', () => {
  it.each(['read:data', 'use:auth', 'manage:registrant', 'read:data:party', 'use:registrant:eid', 'read:data:party:x_1'])('parses %s', (text) => {
    expect(scope(text).toString()).toBe(text);
  });

  it.each(['', 'read', 'write:data', 'read:finance', 'READ:data', 'read:data:', 'read:data:Party', 'read::data', 'read:data:pa-rty', 'assume:party:1', `read:data:${'x'.repeat(200)}`])(
    'refuses %j',
    (text) => expect(Scope.parse(text)).toBeNull(),
  );

  it.each([
    ['manage:data', 'read:data:party', true],
    ['manage:data', 'manage:data', true],
    ['use:data', 'read:data', true],
    ['read:data', 'use:data', false],
    ['read:data:party', 'read:data', false],
    ['read:data:party', 'read:data:partyx', false],
    ['read:data:party', 'read:data:party:1', true],
    ['manage:auth', 'use:registrant:eid', false],
    ['use:registrant', 'use:registrant:eid', true],
    ['manage:registrant', 'use:registrant:eid', true],
    ['read:registrant', 'use:registrant:eid', false],
  ])('%s covers %s: %s', (a, b, expected) => {
    expect(scope(a).covers(scope(b))).toBe(expected);
  });
});

describe('ScopeSet', () => {
  it('parses space-separated scopes and normalizes away covered members', () => {
    expect(ScopeSet.parse('read:data:party manage:data use:auth manage:data').toString()).toBe('manage:data use:auth');
    expect(ScopeSet.parse('').isEmpty).toBe(true);
  });

  it.each(['read:data  use:auth', ' read:data', 'read:data ', 'read:data\tuse:auth', 'read:data write:data'])('refuses %j with ScopeSyntaxError', (text) => {
    expect(() => ScopeSet.parse(text)).toThrow(ScopeSyntaxError);
  });

  it('refuses more than 64 scopes', () => {
    expect(() => ScopeSet.fromArray(Array.from({ length: 65 }, (_, i) => `read:data:p${i}`))).toThrow(ScopeSyntaxError);
    expect(ScopeSet.fromArray(Array.from({ length: 64 }, (_, i) => `read:data:p${i}`)).size).toBe(64);
  });

  it('refuses non-strings in an array', () => {
    expect(() => ScopeSet.fromArray([42 as unknown as string])).toThrow(ScopeSyntaxError);
  });

  it.each([
    ['manage:data manage:auth', 'read:data:party', 'read:data:party'],
    ['manage:data', 'use:data:party:x read:data', 'read:data use:data:party:x'],
    ['manage:auth', 'manage:data', ''],
    ['use:registrant', 'manage:registrant:eid', 'use:registrant:eid'],
    ['manage:auth manage:data', 'manage:data manage:auth', 'manage:auth manage:data'],
    ['read:data', 'manage:data:party', 'read:data:party'],
  ])('%s ∩ %s = %j', (a, b, expected) => {
    expect(ScopeSet.parse(a).intersect(ScopeSet.parse(b)).toString()).toBe(expected);
    expect(ScopeSet.parse(b).intersect(ScopeSet.parse(a)).toString()).toBe(expected);
  });

  it('covers and coversAll follow the grammar', () => {
    const set = ScopeSet.parse('manage:data use:auth');
    expect(set.covers('read:data:party')).toBe(true);
    expect(set.covers('manage:auth')).toBe(false);
    expect(set.covers('not a scope')).toBe(false);
    expect(set.coversAll(ScopeSet.parse('read:data use:auth:x'))).toBe(true);
    expect(set.coversAll(ScopeSet.parse('read:data manage:auth'))).toBe(false);
  });
});
