/**
 * The scope grammar `<verb>:<module>[:<resource>…]`. A scope covers another
 * when its verb is at least as strong (read < use < manage) and its asset
 * (module and resources) is a prefix of the other's on `:` boundaries.
 */

export const SCOPE_VERBS = ['read', 'use', 'manage'] as const;
export type ScopeVerb = (typeof SCOPE_VERBS)[number];
export const SCOPE_MODULES = ['auth', 'data', 'registrant'] as const;
export type ScopeModule = (typeof SCOPE_MODULES)[number];
/** Every verb on every module, module by module: the scopes metadata lists (`scopes_supported`). */
export const MODULE_SCOPES = SCOPE_MODULES.flatMap((module) => SCOPE_VERBS.map((verb) => `${verb}:${module}`));

const RESOURCE = /^[a-z0-9_]+$/;
const MAX_SCOPE_LENGTH = 200;
const MAX_SCOPES = 64;

export type ScopeSyntaxReason = 'malformed' | 'too_many';

export class ScopeSyntaxError extends Error {
  override name = 'ScopeSyntaxError';
  constructor(
    /** The offending token; for `too_many`, the first token over the limit. */
    readonly scope: string,
    readonly reason: ScopeSyntaxReason = 'malformed',
  ) {
    super(reason === 'too_many' ? `more than ${MAX_SCOPES} scopes` : `malformed scope: ${JSON.stringify(scope.slice(0, 64))}`);
  }
}

export class Scope {
  readonly module: ScopeModule;
  readonly resources: readonly string[];

  private constructor(
    readonly verb: ScopeVerb,
    /** Module then resources, e.g. ['data', 'party']: what prefix matching compares. */
    private readonly asset: readonly string[],
  ) {
    this.module = asset[0] as ScopeModule;
    this.resources = Object.freeze(asset.slice(1));
  }

  /** Null when malformed. */
  static parse(text: string): Scope | null {
    // Callers hand over request input; a non-string is just another malformed scope.
    if (typeof text !== 'string' || text.length === 0 || text.length > MAX_SCOPE_LENGTH) return null;
    const [verb, module, ...resources] = text.split(':');
    if (!isOneOf(SCOPE_VERBS, verb) || !isOneOf(SCOPE_MODULES, module)) return null;
    if (!resources.every((resource) => RESOURCE.test(resource))) return null;
    return new Scope(verb, Object.freeze([module, ...resources]));
  }

  covers(other: Scope): boolean {
    return strength(this.verb) >= strength(other.verb) && isPrefix(this.asset, other.asset);
  }

  /** The greatest scope both cover (weaker verb, longer asset), or null when their assets are unrelated. */
  meet(other: Scope): Scope | null {
    const longer = isPrefix(this.asset, other.asset) ? other.asset : isPrefix(other.asset, this.asset) ? this.asset : null;
    if (longer === null) return null;
    return new Scope(strength(this.verb) <= strength(other.verb) ? this.verb : other.verb, longer);
  }

  toString(): string {
    return `${this.verb}:${this.asset.join(':')}`;
  }
}

/** An immutable, normalized set of scopes: no duplicates, no member covered by another, sorted by text. */
export class ScopeSet {
  private constructor(private readonly members: readonly Scope[]) {}

  static readonly EMPTY = new ScopeSet(Object.freeze([]));

  /**
   * Space-delimited (RFC 6749 §3.3: scope-token *( SP scope-token )), so
   * doubled, leading or trailing spaces and other whitespace are malformed.
   * An empty string is the empty set (a token granted no scope).
   * Throws ScopeSyntaxError.
   */
  static parse(text: string): ScopeSet {
    if (typeof text !== 'string') throw new ScopeSyntaxError(String(text));
    if (text === '') return ScopeSet.EMPTY;
    // The split limit keeps a hostile megabyte of spaces from becoming a million tokens.
    return ScopeSet.fromArray(text.split(' ', MAX_SCOPES + 1));
  }

  /** Throws ScopeSyntaxError on any malformed member or more than 64 members. */
  static fromArray(list: readonly string[]): ScopeSet {
    if (list.length > MAX_SCOPES) throw new ScopeSyntaxError(String(list[MAX_SCOPES]), 'too_many');
    return ScopeSet.normalize(list.map((text) => {
      const scope = Scope.parse(text);
      if (scope === null) throw new ScopeSyntaxError(String(text));
      return scope;
    }));
  }

  private static normalize(scopes: readonly Scope[]): ScopeSet {
    // Two scopes cover each other only when equal; of equals, the first is kept.
    const kept = scopes.filter((scope, index) =>
      !scopes.some((other, otherIndex) => otherIndex !== index && other.covers(scope) && (!scope.covers(other) || otherIndex < index)),
    );
    const sorted = kept.map((scope) => [scope.toString(), scope] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return new ScopeSet(Object.freeze(sorted.map(([, scope]) => scope)));
  }

  get size(): number {
    return this.members.length;
  }

  get isEmpty(): boolean {
    return this.members.length === 0;
  }

  /** A malformed scope text is covered by nothing. */
  covers(scope: Scope | string): boolean {
    const wanted = typeof scope === 'string' ? Scope.parse(scope) : scope;
    return wanted !== null && this.members.some((member) => member.covers(wanted));
  }

  coversAll(other: ScopeSet): boolean {
    return other.members.every((scope) => this.covers(scope));
  }

  /**
   * The greatest set both cover: a scope is covered by both sets exactly when
   * some pair (a, b) covers it, i.e. when their meet does.
   */
  intersect(other: ScopeSet): ScopeSet {
    const meets: Scope[] = [];
    for (const a of this.members) {
      for (const b of other.members) {
        const meet = a.meet(b);
        if (meet !== null) meets.push(meet);
      }
    }
    return ScopeSet.normalize(meets);
  }

  toArray(): string[] {
    return this.members.map((scope) => scope.toString());
  }

  toString(): string {
    return this.toArray().join(' ');
  }
}

function isOneOf<T extends string>(allowed: readonly T[], value: string | undefined): value is T {
  return (allowed as readonly (string | undefined)[]).includes(value);
}

function strength(verb: ScopeVerb): number {
  return SCOPE_VERBS.indexOf(verb);
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length <= of.length && prefix.every((part, index) => of[index] === part);
}
