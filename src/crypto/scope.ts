/**
 * The scope grammar `<verb>:<module>[:<resource>…]`. A scope covers another
 * when its verb is at least as strong (read < use < manage) and its asset is
 * a prefix of the other's on `:` boundaries.
 */

export const SCOPE_VERBS = ['read', 'use', 'manage'] as const;
export type ScopeVerb = (typeof SCOPE_VERBS)[number];
export const SCOPE_MODULES = ['auth', 'data', 'registrant'] as const;

const RESOURCE = /^[a-z0-9_]+$/;
const MAX_SCOPE_LENGTH = 200;
const MAX_SCOPES = 64;

export class ScopeSyntaxError extends Error {
  override name = 'ScopeSyntaxError';
  constructor(readonly scope: string) {
    super(`malformed scope: ${JSON.stringify(scope.slice(0, 64))}`);
  }
}

export class Scope {
  private constructor(
    readonly verb: ScopeVerb,
    /** module then resources, e.g. ['data', 'party']. */
    readonly asset: readonly string[],
  ) {}

  /** Null when malformed. */
  static parse(text: string): Scope | null {
    if (text.length === 0 || text.length > MAX_SCOPE_LENGTH) return null;
    const [verb, module, ...resources] = text.split(':');
    if (!(SCOPE_VERBS as readonly string[]).includes(verb)) return null;
    if (module === undefined || !(SCOPE_MODULES as readonly string[]).includes(module)) return null;
    if (!resources.every((resource) => RESOURCE.test(resource))) return null;
    return new Scope(verb as ScopeVerb, [module, ...resources]);
  }

  get module(): string {
    return this.asset[0];
  }

  get resources(): readonly string[] {
    return this.asset.slice(1);
  }

  covers(other: Scope): boolean {
    return strength(this.verb) >= strength(other.verb) && isPrefix(this.asset, other.asset);
  }

  /** The greatest scope both cover, or null when their assets are unrelated. */
  meet(other: Scope): Scope | null {
    const longer = isPrefix(this.asset, other.asset) ? other.asset : isPrefix(other.asset, this.asset) ? this.asset : null;
    if (longer === null) return null;
    return new Scope(strength(this.verb) <= strength(other.verb) ? this.verb : other.verb, longer);
  }

  toString(): string {
    return `${this.verb}:${this.asset.join(':')}`;
  }
}

/** An immutable, normalized set of scopes: no member covers another. */
export class ScopeSet {
  private constructor(private readonly members: readonly Scope[]) {}

  static readonly EMPTY = new ScopeSet([]);

  /** Space-delimited (RFC 6749 §3.3); an empty string is the empty set. Throws ScopeSyntaxError. */
  static parse(text: string): ScopeSet {
    return text === '' ? ScopeSet.EMPTY : ScopeSet.fromArray(text.split(' '));
  }

  static fromArray(list: readonly string[]): ScopeSet {
    if (list.length > MAX_SCOPES) throw new ScopeSyntaxError(`${list.length} scopes`);
    return ScopeSet.of(list.map((text) => {
      const scope = typeof text === 'string' ? Scope.parse(text) : null;
      if (scope === null) throw new ScopeSyntaxError(String(text));
      return scope;
    }));
  }

  private static of(scopes: readonly Scope[]): ScopeSet {
    const kept = scopes.filter((scope, index) =>
      !scopes.some((other, otherIndex) => otherIndex !== index && other.covers(scope) && (!scope.covers(other) || otherIndex < index)),
    );
    return new ScopeSet([...kept].sort((a, b) => (a.toString() < b.toString() ? -1 : 1)));
  }

  get size(): number {
    return this.members.length;
  }

  get isEmpty(): boolean {
    return this.members.length === 0;
  }

  covers(scope: Scope | string): boolean {
    const wanted = typeof scope === 'string' ? Scope.parse(scope) : scope;
    return wanted !== null && this.members.some((member) => member.covers(wanted));
  }

  coversAll(other: ScopeSet): boolean {
    return other.members.every((scope) => this.covers(scope));
  }

  /** The greatest set both cover. */
  intersect(other: ScopeSet): ScopeSet {
    const meets: Scope[] = [];
    for (const a of this.members) {
      for (const b of other.members) {
        const meet = a.meet(b);
        if (meet !== null) meets.push(meet);
      }
    }
    return ScopeSet.of(meets);
  }

  toArray(): string[] {
    return this.members.map((scope) => scope.toString());
  }

  toString(): string {
    return this.toArray().join(' ');
  }
}

function strength(verb: ScopeVerb): number {
  return SCOPE_VERBS.indexOf(verb);
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length <= of.length && prefix.every((part, index) => of[index] === part);
}
