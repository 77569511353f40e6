import fc from 'fast-check';
import { Scope, ScopeSet, ScopeSyntaxError } from '../../src/model/scope.js';

const scope = (text: string) => {
  const parsed = Scope.parse(text);
  if (parsed === null) throw new Error(`unparseable ${text}`);
  return parsed;
};

const syntaxErrorOf = (action: () => unknown): ScopeSyntaxError => {
  try {
    action();
  } catch (error) {
    if (error instanceof ScopeSyntaxError) return error;
    throw error;
  }
  throw new Error('no ScopeSyntaxError thrown');
};

describe('Scope', () => {
  it.each(['read:data', 'use:auth', 'manage:registrant', 'read:data:party', 'use:registrant:eid', 'read:data:party:x_1', 'read:data:0'])('parses and prints %s unchanged', (text) => {
    expect(scope(text).toString()).toBe(text);
  });

  it('splits a scope into verb, module and resources', () => {
    const parsed = scope('use:data:party:x_1');
    expect(parsed.verb).toBe('use');
    expect(parsed.module).toBe('data');
    expect(parsed.resources).toEqual(['party', 'x_1']);
    expect(Object.isFrozen(parsed.resources)).toBe(true);
  });

  it.each([
    '', 'read', 'read:', ':data', 'write:data', 'read:finance', 'READ:data', 'Read:data', 'read:Data', 'read:data:', 'read:data:Party', 'read::data',
    'read:data::party', 'read:data:pa-rty', 'read:data:pa rty', 'read:data:party\n', ' read:data', 'read:data ', 'assume:party:1', 'read:toString',
    `read:data:${'x'.repeat(191)}`,
  ])('refuses %j', (text) => {
    expect(Scope.parse(text)).toBeNull();
  });

  it('allows scopes of up to 200 characters', () => {
    const longest = `read:data:${'x'.repeat(190)}`;
    expect(longest).toHaveLength(200);
    expect(Scope.parse(longest)?.toString()).toBe(longest);
  });

  it('treats a non-string as malformed rather than throwing', () => {
    expect(Scope.parse(42 as unknown as string)).toBeNull();
    expect(Scope.parse(undefined as unknown as string)).toBeNull();
  });

  it.each([
    ['manage:data', 'read:data:party', true],
    ['manage:data', 'manage:data', true],
    ['use:data', 'read:data', true],
    ['read:data', 'use:data', false],
    ['use:data', 'manage:data:party', false],
    ['read:data:party', 'read:data', false],
    ['read:data:party', 'read:data:partyx', false],
    ['read:data:party', 'read:data:party:1', true],
    ['manage:auth', 'use:registrant:eid', false],
    ['manage:auth', 'read:data', false],
    ['use:registrant', 'use:registrant:eid', true],
    ['manage:registrant', 'use:registrant:eid', true],
    ['read:registrant', 'use:registrant:eid', false],
    ['manage:data:a', 'manage:data:b', false],
  ])('%s covers %s: %s', (a, b, expected) => {
    expect(scope(a).covers(scope(b))).toBe(expected);
  });

  it.each([
    ['manage:data', 'read:data:party', 'read:data:party'],
    ['read:data', 'manage:data:party', 'read:data:party'],
    ['use:registrant', 'manage:registrant:eid', 'use:registrant:eid'],
    ['use:data:a', 'use:data:b', null],
    ['manage:auth', 'manage:data', null],
  ])('the meet of %s and %s is %s', (a, b, expected) => {
    expect(scope(a).meet(scope(b))?.toString() ?? null).toBe(expected);
    expect(scope(b).meet(scope(a))?.toString() ?? null).toBe(expected);
  });
});

describe('ScopeSet', () => {
  it('parses space-separated scopes and normalizes away duplicates and covered members', () => {
    const set = ScopeSet.parse('use:auth read:data:party manage:data use:auth:x manage:data');
    expect(set.toString()).toBe('manage:data use:auth');
    expect(set.toArray()).toEqual(['manage:data', 'use:auth']);
    expect(set.size).toBe(2);
    expect(set.isEmpty).toBe(false);
  });

  it('keeps members that are related but not covered, sorted by their text', () => {
    expect(ScopeSet.parse('use:data:party:x read:data').toArray()).toEqual(['read:data', 'use:data:party:x']);
    expect(ScopeSet.parse('use:registrant manage:data manage:auth').toString()).toBe('manage:auth manage:data use:registrant');
  });

  it('reads the empty string as the empty set', () => {
    expect(ScopeSet.parse('').isEmpty).toBe(true);
    expect(ScopeSet.parse('').size).toBe(0);
    expect(ScopeSet.parse('').toString()).toBe('');
  });

  it.each([
    ['read:data  use:auth', ''],
    [' read:data', ''],
    ['read:data ', ''],
    [' ', ''],
    ['read:data\tuse:auth', 'read:data\tuse:auth'],
    ['read:data\nuse:auth', 'read:data\nuse:auth'],
    ['read:data\u00a0use:auth', 'read:data\u00a0use:auth'],
    ['read:data write:data', 'write:data'],
    ['use:auth read:Data', 'read:Data'],
  ])('refuses %j, naming the offending token %j', (text, token) => {
    const error = syntaxErrorOf(() => ScopeSet.parse(text));
    expect(error.scope).toBe(token);
    expect(error.reason).toBe('malformed');
  });

  it('refuses more than 64 scopes, from text and from an array', () => {
    const scopes = Array.from({ length: 65 }, (_, i) => `read:data:p${i}`);
    expect(syntaxErrorOf(() => ScopeSet.fromArray(scopes))).toMatchObject({ reason: 'too_many', scope: 'read:data:p64' });
    expect(syntaxErrorOf(() => ScopeSet.parse(scopes.join(' ')))).toMatchObject({ reason: 'too_many' });
    expect(ScopeSet.fromArray(scopes.slice(0, 64)).size).toBe(64);
    expect(ScopeSet.parse(scopes.slice(0, 64).join(' ')).size).toBe(64);
  });

  it('refuses a megabyte of spaces promptly', () => {
    const started = Date.now();
    expect(() => ScopeSet.parse(' '.repeat(1_000_000))).toThrow(ScopeSyntaxError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses non-strings in an array', () => {
    expect(() => ScopeSet.fromArray([42 as unknown as string])).toThrow(ScopeSyntaxError);
    expect(() => ScopeSet.fromArray(['read:data', null as unknown as string])).toThrow(ScopeSyntaxError);
  });

  it('is not changed through the arrays it hands out', () => {
    const set = ScopeSet.parse('read:data use:auth');
    set.toArray().push('manage:data');
    expect(set.covers('manage:data')).toBe(false);
    expect(set.size).toBe(2);
  });

  it.each([
    ['manage:data manage:auth', 'read:data:party', 'read:data:party'],
    ['manage:data', 'use:data:party:x read:data', 'read:data use:data:party:x'],
    ['manage:auth', 'manage:data', ''],
    ['use:registrant', 'manage:registrant:eid', 'use:registrant:eid'],
    ['manage:auth manage:data', 'manage:data manage:auth', 'manage:auth manage:data'],
    ['read:data', 'manage:data:party', 'read:data:party'],
    ['use:data:a use:data:b', 'read:data', 'read:data:a read:data:b'],
    ['manage:data:a', 'manage:data:b', ''],
    ['', 'manage:data', ''],
  ])('%s ∩ %s = %j', (a, b, expected) => {
    expect(ScopeSet.parse(a).intersect(ScopeSet.parse(b)).toString()).toBe(expected);
    expect(ScopeSet.parse(b).intersect(ScopeSet.parse(a)).toString()).toBe(expected);
  });

  it('covers and coversAll follow the grammar', () => {
    const set = ScopeSet.parse('manage:data use:auth');
    expect(set.covers('read:data:party')).toBe(true);
    expect(set.covers(scope('use:auth:x'))).toBe(true);
    expect(set.covers('manage:auth')).toBe(false);
    expect(set.covers('read:registrant')).toBe(false);
    expect(set.covers('not a scope')).toBe(false);
    expect(set.coversAll(ScopeSet.parse('read:data use:auth:x'))).toBe(true);
    expect(set.coversAll(ScopeSet.parse('read:data manage:auth'))).toBe(false);
    expect(set.coversAll(ScopeSet.EMPTY)).toBe(true);
    expect(ScopeSet.EMPTY.covers('read:data')).toBe(false);
  });

  describe('against the definitions, on generated scopes', () => {
    // A small alphabet so that generated scopes are often prefix-related.
    const scopeText = fc
      .tuple(fc.constantFrom('read', 'use', 'manage'), fc.constantFrom('auth', 'data', 'registrant'), fc.array(fc.constantFrom('a', 'b'), { maxLength: 3 }))
      .map(([verb, module, resources]) => [verb, module, ...resources].join(':'));
    const scopeSet = fc.array(scopeText, { maxLength: 6 }).map((list) => ScopeSet.fromArray(list));

    it('the intersection covers exactly what both sets cover', () => {
      fc.assert(
        fc.property(scopeSet, scopeSet, fc.array(scopeText, { minLength: 1, maxLength: 10 }), (a, b, probes) => {
          const both = a.intersect(b);
          for (const probe of probes) expect(both.covers(probe)).toBe(a.covers(probe) && b.covers(probe));
        }),
        { numRuns: 500 },
      );
    });

    it('a normalized set covers what its input covers, with no member covering another, sorted', () => {
      fc.assert(
        fc.property(fc.array(scopeText, { maxLength: 8 }), fc.array(scopeText, { minLength: 1, maxLength: 10 }), (list, probes) => {
          const set = ScopeSet.fromArray(list);
          const members = set.toArray();
          for (const probe of probes) expect(set.covers(probe)).toBe(list.some((text) => scope(text).covers(scope(probe))));
          for (const [i, a] of members.entries()) {
            for (const [j, b] of members.entries()) if (i !== j) expect(scope(a).covers(scope(b))).toBe(false);
          }
          expect(members).toEqual([...members].sort());
          expect(ScopeSet.parse(set.toString()).toString()).toBe(set.toString());
        }),
        { numRuns: 500 },
      );
    });
  });
});
