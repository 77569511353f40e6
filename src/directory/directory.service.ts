import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { ScopeSet } from '../crypto/scope.js';
import { isDatabaseUnavailable } from '../database/availability.js';
import { NotificationHub } from '../database/notification-hub.js';
import { DirectoryCache } from './directory-cache.js';
import { parsePublicKey, type RegisteredPublicKey } from '../crypto/public-key.js';
import { EntityClientKeyRecord } from './entities/entity-client-key-record.js';
import { EntityClientRecord } from './entities/entity-client-record.js';
import { EntityRecord } from './entities/entity-record.js';
import { PartyMembershipRecord } from './entities/party-membership-record.js';
import { PartyRecord } from './entities/party-record.js';

/** Scopes an owner holds for its own parties (contract "Model"). */
export const OWNER_SCOPES = ScopeSet.parse('manage:data manage:auth');

/** A party an entity may act for, and the scopes it holds there. */
export interface ActingParty {
  readonly party: PartyRecord;
  readonly scopes: ScopeSet;
  readonly owned: boolean;
}

/** A client with what a login needs: its entity and its registered keys. */
export interface ClientCredentials {
  readonly client: EntityClientRecord;
  readonly entity: EntityRecord;
  readonly keys: RegisteredPublicKey[];
}

/** An entity found by its personal identifier (eID logins). */
export interface PersonByPid {
  readonly id: number;
  readonly eid: string;
  readonly name: string;
  readonly status: string;
  readonly type: string;
}

/** A unique constraint refused a write; `constraint` names which one. */
export class DirectoryConflictError extends Error {
  override name = 'DirectoryConflictError';
  constructor(readonly constraint: string) {
    super(`duplicate (${constraint})`);
  }
}

export interface PageRequest {
  /** 1-based. */
  readonly page: number;
  readonly perPage: number;
}

const MAX_REMEMBERED_NAMES = 100_000;
/** Raised by the trigger on every directory table (migration DirectoryChangeNotifications). */
const DIRECTORY_CHANNEL = 'directory_changed';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The only code that reads and writes the directory tables: entities,
 * parties, memberships, clients and their keys. Others ask it.
 */
@Injectable()
export class DirectoryService implements OnModuleInit, OnModuleDestroy {
  /** Names last seen, for userinfo during a database outage. */
  private readonly knownNames = new Map<string, string>();
  /**
   * Per-process caches of what logins and resources read. A trigger NOTIFYs
   * every committed change to a directory table; each notification (and a
   * local admin change) empties them. While the hub is not listening they are
   * bypassed, and no entry is served older than DirectoryCache's maximum age,
   * so even a silent channel leaves no answer staler than that.
   */
  private generation = 0;
  private unsubscribe: (() => void) | undefined;
  private readonly clients = new DirectoryCache<string, ClientCredentials | null>(() => this.generation);
  /** Ids that name no client, apart and smaller: random ids must not push real clients out. */
  private readonly unknownClients = new DirectoryCache<string, null>(() => this.generation, 10_000);
  private readonly acting = new DirectoryCache<number, ActingParty[]>(() => this.generation);
  private readonly entities = new DirectoryCache<number, EntityRecord | null>(() => this.generation);
  private readonly parties = new DirectoryCache<number, PartyRecord | null>(() => this.generation);
  private readonly visibility = new DirectoryCache<string, boolean>(() => this.generation);
  private readonly operator = new DirectoryCache<'operator', number | null>(() => this.generation, 1);
  private readonly caches = [this.clients, this.unknownClients, this.acting, this.entities, this.parties, this.visibility, this.operator];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hub: NotificationHub,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.hub.subscribe(DIRECTORY_CHANNEL, {
      onNotification: () => this.invalidate(),
      onResync: async () => this.invalidate(),
      onLost: () => this.invalidate(),
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Empties every cache; called on each change notification and after a local admin change. */
  invalidate(): void {
    this.generation += 1;
    for (const cache of this.caches) cache.clear();
  }

  /** Through the cache while change notifications are flowing, straight from the database otherwise. */
  private cached<K, V>(cache: DirectoryCache<K, V>, key: K, load: () => Promise<V>, cacheable?: (value: V) => boolean): Promise<V> {
    return this.hub.isListening ? cache.get(key, load, cacheable) : load();
  }

  /**
   * Current names for userinfo. While the database is unreachable, the names
   * last seen (at a login or an earlier lookup) answer instead, so tokens
   * already issued can still be described; null if the entity is gone.
   */
  async names(entityId: number, partyId: number | undefined, fallbackEntityName?: string): Promise<{ entityName: string; partyName?: string } | null> {
    try {
      const entity = await this.findEntity(entityId);
      const party = partyId === undefined ? null : await this.findParty(partyId);
      if (entity === null || (partyId !== undefined && party === null)) return null;
      return { entityName: entity.name, ...(party === null ? {} : { partyName: party.name }) };
    } catch (error) {
      const entityName = this.knownNames.get(`entity:${entityId}`) ?? fallbackEntityName;
      const partyName = partyId === undefined ? undefined : this.knownNames.get(`party:${partyId}`);
      if (!isDatabaseUnavailable(error) || entityName === undefined || (partyId !== undefined && partyName === undefined)) throw error;
      return { entityName, ...(partyName === undefined ? {} : { partyName }) };
    }
  }

  private remember(kind: 'entity' | 'party', record: { id: number; name: string } | null | undefined): void {
    if (record == null) return;
    const key = `${kind}:${record.id}`;
    this.knownNames.delete(key);
    this.knownNames.set(key, record.name);
    // Bounded: the oldest entry goes first (Map keeps insertion order).
    if (this.knownNames.size > MAX_REMEMBERED_NAMES) this.knownNames.delete(this.knownNames.keys().next().value!);
  }

  async findClientCredentials(clientId: string): Promise<ClientCredentials | null> {
    if (!UUID.test(clientId)) return null; // never hand a malformed id to a uuid column
    const id = clientId.toLowerCase();
    // Ids that name no client are cached apart, in a smaller cache: a look-up then costs the same
    // whether or not the id exists (nothing to time), and random ids cannot push real clients out.
    let found: ClientCredentials | null = null;
    await this.cached(this.unknownClients, id, async () => {
      found = await this.cached(this.clients, id, () => this.loadClientCredentials(id), (value) => value !== null);
      return null;
    }, () => found === null);
    return found;
  }

  private async loadClientCredentials(id: string): Promise<ClientCredentials | null> {
    const client = await this.dataSource.getRepository(EntityClientRecord).findOne({ where: { clientId: id }, relations: { entity: true } });
    if (client === null || client.entity === undefined) return null;
    this.remember('entity', client.entity);
    const keys = await this.dataSource.getRepository(EntityClientKeyRecord).find({ where: { clientId: client.clientId }, order: { createdAt: 'ASC' } });
    return { client, entity: client.entity, keys: keys.map(toRegisteredKey) };
  }

  /** The id of the operator party (the bootstrap's), or null while there is none. */
  operatorPartyId(): Promise<number | null> {
    return this.cached(this.operator, 'operator', async () => {
      const party = await this.dataSource.getRepository(PartyRecord).findOneBy({ operator: true });
      return party?.id ?? null;
    });
  }

  /** Makes `partyId` the operator party, and no other. */
  async markOperatorParty(partyId: number, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE parties SET operator = false WHERE operator AND id <> $1', [partyId]);
    await manager.query('UPDATE parties SET operator = true WHERE id = $1 AND NOT operator', [partyId]);
  }

  async findEntity(id: number): Promise<EntityRecord | null> {
    const entity = await this.cached(this.entities, id, () => this.dataSource.getRepository(EntityRecord).findOneBy({ id }), (value) => value !== null);
    this.remember('entity', entity);
    return entity;
  }

  async findParty(id: number): Promise<PartyRecord | null> {
    const party = await this.cached(this.parties, id, () => this.dataSource.getRepository(PartyRecord).findOneBy({ id }), (value) => value !== null);
    this.remember('party', party);
    return party;
  }

  /** Active parties the entity owns (with owner scopes) or holds a membership in (with its scopes). */
  actingParties(entityId: number): Promise<ActingParty[]> {
    return this.cached(this.acting, entityId, () => this.loadActingParties(entityId));
  }

  private async loadActingParties(entityId: number): Promise<ActingParty[]> {
    const owned = await this.dataSource.getRepository(PartyRecord).findBy({ entityId, status: 'active' });
    // A member acts for another entity's party only while that owner is active too: deactivating a company ends its members' rights.
    const memberships = await this.dataSource
      .getRepository(PartyMembershipRecord)
      .find({ where: { entityId, party: { status: 'active', entity: { status: 'active' } } }, relations: { party: { entity: true } } });
    const ownedIds = new Set(owned.map((party) => party.id));
    for (const party of owned) this.remember('party', party);
    for (const membership of memberships) this.remember('party', membership.party);
    return [
      ...owned.map((party) => ({ party, scopes: OWNER_SCOPES, owned: true })),
      ...memberships
        .filter((membership) => membership.party !== undefined && !ownedIds.has(membership.partyId))
        .map((membership) => ({ party: membership.party!, scopes: ScopeSet.fromArray(membership.scopes), owned: false })),
    ];
  }

  /** Whether the entity owns the party or is a member of it, active or not. */
  isOwnerOrMember(entityId: number, partyId: number): Promise<boolean> {
    return this.cached(this.visibility, `${entityId}:${partyId}`, () => this.loadIsOwnerOrMember(entityId, partyId));
  }

  private async loadIsOwnerOrMember(entityId: number, partyId: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM parties WHERE id = $2 AND entity_id = $1
       UNION ALL SELECT 1 FROM party_memberships WHERE party_id = $2 AND entity_id = $1 LIMIT 1`,
      [entityId, partyId],
    );
    return rows.length > 0;
  }

  findEntityByBusinessId(businessId: string, businessIdType: string, manager: EntityManager = this.dataSource.manager): Promise<EntityRecord | null> {
    return manager.getRepository(EntityRecord).findOneBy({ businessId, businessIdType });
  }

  findPartyByBusinessId(businessId: string, type: string, manager: EntityManager = this.dataSource.manager): Promise<PartyRecord | null> {
    return manager.getRepository(PartyRecord).findOneBy({ businessId, type });
  }

  /** The entity with this ETSI personal identifier (any type: a non-person must not be taken for one). */
  async findByPid(pid: string): Promise<PersonByPid | null> {
    const [found]: PersonByPid[] = await this.dataSource.query(`SELECT id, eid, name, status, type FROM entities WHERE business_id = $1 AND business_id_type = 'pid'`, [pid]);
    return found ?? null;
  }

  /**
   * Creates the person with this ETSI personal identifier, or renames her,
   * in one statement (safe under concurrent first logins), in the caller's
   * transaction; says which happened. Null if the id belongs to a non-person.
   */
  async writePersonByPid(pid: string, name: string, manager: EntityManager): Promise<(PersonByPid & { created: boolean; previousName: string | null }) | null> {
    const [written]: (PersonByPid & { created: boolean; previous_name: string | null })[] = await manager.query(
      `WITH before AS (SELECT name FROM entities WHERE business_id = $3 AND business_id_type = 'pid')
       INSERT INTO entities (eid, name, type, business_id, business_id_type) VALUES ($1, $2, 'person', $3, 'pid')
       ON CONFLICT (business_id, business_id_type) DO UPDATE SET name = EXCLUDED.name WHERE entities.type = 'person'
       RETURNING id, eid, name, status, type, (xmax = 0) AS created, (SELECT name FROM before) AS previous_name`,
      [randomUUID(), name, pid],
    );
    if (written === undefined) return null;
    const { previous_name: previousName, ...person } = written;
    return { ...person, previousName: person.created ? null : previousName };
  }

  /** Runs `work` in one transaction; callers pass the manager on to the create methods. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  createEntity(input: Pick<EntityRecord, 'name' | 'type' | 'businessId' | 'businessIdType' | 'recordedBy'>, manager: EntityManager = this.dataSource.manager): Promise<EntityRecord> {
    return this.insert(manager, EntityRecord, { ...input, eid: randomUUID(), status: 'active' });
  }

  createParty(input: Pick<PartyRecord, 'entityId' | 'name' | 'type' | 'businessId' | 'businessIdType' | 'recordedBy'>, manager: EntityManager = this.dataSource.manager): Promise<PartyRecord> {
    return this.insert(manager, PartyRecord, { ...input, status: 'active' });
  }

  createMembership(input: Pick<PartyMembershipRecord, 'entityId' | 'partyId' | 'scopes' | 'recordedBy'>, manager: EntityManager = this.dataSource.manager): Promise<PartyMembershipRecord> {
    return this.insert(manager, PartyMembershipRecord, input);
  }

  /** A client with its first key, in the caller's transaction or a new one. */
  async createClient(
    input: Pick<EntityClientRecord, 'clientId' | 'entityId' | 'name' | 'scopes' | 'partyId' | 'recordedBy'>,
    keys: readonly RegisteredPublicKey[],
    manager?: EntityManager,
  ): Promise<{ client: EntityClientRecord; keys: EntityClientKeyRecord[] }> {
    const work = async (tx: EntityManager) => {
      const client = await this.insert(tx, EntityClientRecord, { ...input, active: true });
      const stored: EntityClientKeyRecord[] = [];
      for (const key of keys) stored.push(await this.addClientKey(client.clientId, key, tx));
      return { client, keys: stored };
    };
    return manager === undefined ? this.dataSource.transaction(work) : work(manager);
  }

  addClientKey(clientId: string, key: RegisteredPublicKey, manager: EntityManager = this.dataSource.manager): Promise<EntityClientKeyRecord> {
    return this.insert(manager, EntityClientKeyRecord, { clientId, kid: key.kid, jwk: key.jwk as Record<string, unknown>, thumbprint: key.thumbprint });
  }

  async findClient(clientId: string, manager: EntityManager = this.dataSource.manager): Promise<EntityClientRecord | null> {
    if (!UUID.test(clientId)) return null;
    return manager.getRepository(EntityClientRecord).findOneBy({ clientId: clientId.toLowerCase() });
  }

  async findClientKeys(clientId: string, manager: EntityManager = this.dataSource.manager): Promise<EntityClientKeyRecord[]> {
    return manager.getRepository(EntityClientKeyRecord).find({ where: { clientId }, order: { createdAt: 'ASC' } });
  }

  updateClient(clientId: string, changes: Partial<Pick<EntityClientRecord, 'name' | 'scopes' | 'partyId' | 'active'>>, manager: EntityManager = this.dataSource.manager): Promise<unknown> {
    return manager.getRepository(EntityClientRecord).update({ clientId }, changes);
  }

  /** One page of a table, newest id first, with the total for the filter. */
  async page<T extends object>(target: new () => T, where: Partial<Record<keyof T, unknown>>, page: PageRequest, order: keyof T): Promise<{ items: T[]; total: number }> {
    const [items, total] = await this.dataSource.getRepository(target).findAndCount({
      where: where as never,
      order: { [order]: 'ASC' } as never,
      skip: (page.page - 1) * page.perPage,
      take: page.perPage,
    });
    return { items, total };
  }

  findMembership(id: number, manager: EntityManager = this.dataSource.manager): Promise<PartyMembershipRecord | null> {
    return manager.getRepository(PartyMembershipRecord).findOneBy({ id });
  }

  /** Locks the entity row for the rest of the transaction: changes to one person's rights and login are serialized. */
  async lockEntity(id: number, manager: EntityManager): Promise<EntityRecord | null> {
    return manager.getRepository(EntityRecord).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Locks the client row for the rest of the transaction: key removals are serialized per client. */
  async lockClient(clientId: string, manager: EntityManager): Promise<EntityClientRecord | null> {
    if (!UUID.test(clientId)) return null;
    return manager.getRepository(EntityClientRecord).findOne({ where: { clientId: clientId.toLowerCase() }, lock: { mode: 'pessimistic_write' } });
  }

  async updateEntity(id: number, changes: Partial<Pick<EntityRecord, 'name' | 'status'>>, manager: EntityManager): Promise<void> {
    await manager.getRepository(EntityRecord).update({ id }, changes);
  }

  async updateParty(id: number, changes: Partial<Pick<PartyRecord, 'name' | 'status'>>, manager: EntityManager): Promise<void> {
    await manager.getRepository(PartyRecord).update({ id }, changes);
  }

  async updateMembership(id: number, scopes: string[], manager: EntityManager): Promise<void> {
    await manager.getRepository(PartyMembershipRecord).update({ id }, { scopes });
  }

  async deleteMembership(id: number, manager: EntityManager): Promise<void> {
    await manager.getRepository(PartyMembershipRecord).delete({ id });
  }

  async removeClientKey(clientId: string, kid: string, manager: EntityManager): Promise<void> {
    await manager.getRepository(EntityClientKeyRecord).delete({ clientId, kid });
  }

  /**
   * Whose parties an entity may act for, active or not: the owners of the
   * parties it is a member of, and whether it owns any party itself. Read
   * in the caller's transaction, never from a cache (credential decisions).
   */
  async rightsOf(entityId: number, manager: EntityManager = this.dataSource.manager): Promise<{ ownsParties: boolean; memberOfPartiesOf: number[] }> {
    const rows: { owner: number; own: boolean }[] = await manager.query(
      `SELECT DISTINCT p.entity_id AS owner, false AS own FROM party_memberships m JOIN parties p ON p.id = m.party_id WHERE m.entity_id = $1
       UNION ALL SELECT $1, true WHERE EXISTS (SELECT 1 FROM parties WHERE entity_id = $1)`,
      [entityId],
    );
    return { ownsParties: rows.some((row) => row.own), memberOfPartiesOf: rows.filter((row) => !row.own).map((row) => row.owner) };
  }

  /** Inserts and returns the row as stored (defaults and generated ids filled in). */
  private async insert<T extends object>(manager: EntityManager, target: new () => T, values: Partial<T>): Promise<T> {
    const repository = manager.getRepository(target);
    try {
      const result = await repository.insert(values as never);
      return repository.create({ ...values, ...result.generatedMaps[0] } as T);
    } catch (error) {
      const driverError = error instanceof QueryFailedError ? (error.driverError as { code?: string; constraint?: string }) : undefined;
      if (driverError?.code === '23505') throw new DirectoryConflictError(driverError.constraint ?? 'unique');
      throw error;
    }
  }
}

/** Stored keys were checked on registration; parsing again restores the same kid, algorithms and thumbprint. */
function toRegisteredKey(record: EntityClientKeyRecord): RegisteredPublicKey {
  return parsePublicKey({ ...record.jwk, kid: record.kid });
}
