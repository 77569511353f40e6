import type { ActingParty } from './api.js';

/**
 * Who is logged in and for whom she acts. Tokens are held in this module's
 * memory only, never in storage or cookies: a reload renews them through the
 * issuer's login session (its own HttpOnly cookie), not from here.
 */
export interface PersonSession {
  /** Her name, to show. */
  readonly username: string;
  /** Her current access token (acting for her party, once she chose one). */
  readonly token: string;
  /** The id_token of her login, for logging out at the issuer. */
  readonly idToken?: string;
}

export interface ActingSession {
  readonly token: string;
  readonly party: ActingParty;
  readonly scopes: readonly string[];
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

const VERBS = ['read', 'use', 'manage'] as const;
export const OPERATOR_PARTY_TYPE = 'flexibility_information_system_operator';

/** The scope grammar's rule: a stronger or equal verb, and an asset prefix on `:` boundaries. */
export function covers(held: string, wanted: string): boolean {
  const [heldVerb, ...heldAsset] = held.split(':');
  const [wantedVerb, ...wantedAsset] = wanted.split(':');
  const strength = (verb: string) => VERBS.indexOf(verb as (typeof VERBS)[number]);
  if (strength(heldVerb) < 0 || strength(heldVerb) < strength(wantedVerb)) return false;
  return heldAsset.length <= wantedAsset.length && heldAsset.every((part, index) => part === wantedAsset[index]);
}

/** The scopes one may hand on: each held scope and the weaker verbs on the same asset. */
export function grantableScopes(held: readonly string[]): string[] {
  const result = new Set<string>();
  for (const scope of held) {
    const [verb, ...asset] = scope.split(':');
    for (const weaker of VERBS.slice(0, VERBS.indexOf(verb as (typeof VERBS)[number]) + 1)) result.add([weaker, ...asset].join(':'));
  }
  const order = (scope: string) => {
    const [verb, ...asset] = scope.split(':');
    return { asset: asset.join(':'), strength: VERBS.indexOf(verb as (typeof VERBS)[number]) };
  };
  return [...result].sort((a, b) => order(a).asset.localeCompare(order(b).asset) || order(a).strength - order(b).strength);
}

class Session {
  person: PersonSession | undefined;
  acting: ActingSession | undefined;
  /** Where to go once logged in (a deep link opened before logging in). */
  afterLogin: string | undefined;

  end(): void {
    this.person = undefined;
    this.acting = undefined;
  }

  holds(scope: string): boolean {
    return this.acting !== undefined && this.acting.scopes.some((held) => covers(held, scope));
  }

  get isOperator(): boolean {
    return this.acting?.party.type === OPERATOR_PARTY_TYPE && this.holds('manage:auth');
  }

  /** The home of whoever she acts for: the operator's entity list, or the party's entity. */
  get home(): string {
    if (this.isOperator) return '#/entities';
    if (this.acting !== undefined) return `#/entities/${this.acting.party.entity_id}`;
    return '#/parties';
  }

  /** The entity whose clients she manages: her company's, when she acts for its organisation party. */
  get managedEntityId(): number | undefined {
    return this.acting?.party.type === 'organisation' && this.holds('manage:auth') ? this.acting.party.entity_id : undefined;
  }
}

export const session = new Session();
