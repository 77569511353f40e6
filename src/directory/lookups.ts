import type { RegisteredPublicKey } from '../crypto/public-key.js';
import { ScopeSet } from '../model/scope.js';
import type { EntityClientRecord } from './records/entity-client-record.js';
import type { EntityRecord } from './records/entity-record.js';
import type { PartyRecord } from './records/party-record.js';

/** Scopes an owner holds for its own parties (contract "Model"). */
export const OWNER_SCOPES = ScopeSet.parse('manage:data manage:auth');

/** A party an entity may act for, and the scopes it holds there. */
export interface ActingParty {
  readonly party: PartyRecord;
  readonly scopes: ScopeSet;
  readonly owned: boolean;
}

/** A client secret as logins read it: its id and digest (SecretDigest), never the secret. */
export interface ClientSecretDigest {
  readonly secretId: string;
  readonly digest: string;
  readonly lastUsedAt: Date | null;
}

/** A client with what its authentication needs: its entity, its registered keys and its secrets' digests. */
export interface ClientCredentials {
  readonly client: EntityClientRecord;
  readonly entity: EntityRecord;
  readonly keys: RegisteredPublicKey[];
  readonly secrets: ClientSecretDigest[];
}

/*
 * The directory as logins and resources read it: narrow interfaces in the
 * spirit of fosite's storage interfaces. DirectoryReader implements them all
 * with caches that follow every change; grants, resolvers and policies ask
 * for the narrowest one they need (Nest injects the reader by these abstract
 * classes), so a unit test hands them an in-memory fake.
 */

/** Clients by id, with their entity and keys. */
export abstract class ClientLookup {
  /** Null for an id that names no client (or is no UUID). */
  abstract findClientCredentials(clientId: string): Promise<ClientCredentials | null>;
}

/** Parties, and who may act for them. */
export abstract class PartyLookup {
  abstract findParty(id: number): Promise<PartyRecord | null>;
  /** Active parties of active owners that the entity owns (owner scopes) or holds a membership in (its scopes). */
  abstract actingParties(entityId: number): Promise<ActingParty[]>;
  /** Whether the entity owns the party or is a member of it, active or not. */
  abstract isOwnerOrMember(entityId: number, partyId: number): Promise<boolean>;
  /** The one operator party (the bootstrap's), or null while there is none. */
  abstract operatorPartyId(): Promise<number | null>;
}

/** An entity found by its personal identifier (eID logins). */
export interface PersonByPid {
  readonly id: number;
  readonly eid: string;
  readonly name: string;
  readonly status: string;
  readonly type: string;
}

/** Entities by their ETSI personal identifier (`PNOEE-…`), as eID logins look them up. */
export abstract class PersonLookup {
  /** The entity with this personal identifier, of any type (a non-person must not be taken for one); null if none has it. */
  abstract findByPid(pid: string): Promise<PersonByPid | null>;
}

/** Entities, and the names tokens are described with. */
export abstract class EntityLookup {
  abstract findEntity(id: number): Promise<EntityRecord | null>;
  /**
   * Current names; while the database is unreachable, the names last seen
   * (or `fallbackEntityName`), so issued tokens can still be described. Null
   * if the entity or party is gone.
   */
  abstract names(entityId: number, partyId: number | undefined, fallbackEntityName?: string): Promise<{ entityName: string; partyName?: string } | null>;
}
