import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Batcher } from '../common/batcher.js';
import { isDatabaseUnavailable } from '../common/database-availability.js';
import { parsePublicKey, type RegisteredPublicKey } from '../crypto/public-key.js';
import { NotificationHub } from '../database/notification-hub.js';
import { isUuid } from '../model/business-id.js';
import { ScopeSet } from '../model/scope.js';
import { DirectoryCache } from './directory-cache.js';
import { type ActingParty, type ClientCredentials, ClientLookup, EntityLookup, OWNER_SCOPES, PartyLookup, type PersonByPid, PersonLookup } from './lookups.js';
import { EntityClientKeyRecord } from './records/entity-client-key-record.js';
import { EntityClientRecord } from './records/entity-client-record.js';
import { EntityClientSecretRecord } from './records/entity-client-secret-record.js';
import { EntityRecord } from './records/entity-record.js';
import { PartyMembershipRecord } from './records/party-membership-record.js';
import { PartyRecord } from './records/party-record.js';

const MAX_REMEMBERED_NAMES = 100_000;
/** Raised by the trigger on every directory table (migration DirectoryChangeNotifications). */
const DIRECTORY_CHANNEL = 'directory_changed';

/**
 * The directory as logins and resources read it, through per-process caches.
 * A trigger NOTIFYs every committed change to a directory table; each
 * notification (and DirectoryStore's own commits) empties them. While the
 * hub is not listening they are bypassed, and no entry is served older than
 * DirectoryCache's maximum age, so even a silent channel leaves no answer
 * staler than that.
 */
@Injectable()
export class DirectoryReader implements ClientLookup, PartyLookup, EntityLookup, PersonLookup, OnModuleInit, OnModuleDestroy {
  /** Names last seen, for userinfo during a database outage. */
  private readonly knownNames = new Map<string, string>();
  private generation = 0;
  private unsubscribe: (() => void) | undefined;
  private readonly clients = new DirectoryCache<string, ClientCredentials | null>(() => this.generation);
  /** Ids that name no client, apart and smaller: random ids must not push real clients out. */
  private readonly unknownClients = new DirectoryCache<string, ClientCredentials | null>(() => this.generation, 10_000);
  private readonly acting = new DirectoryCache<number, ActingParty[]>(() => this.generation);
  private readonly entities = new DirectoryCache<number, EntityRecord | null>(() => this.generation);
  private readonly parties = new DirectoryCache<number, PartyRecord | null>(() => this.generation);
  private readonly visibility = new DirectoryCache<string, boolean>(() => this.generation);
  private readonly operator = new DirectoryCache<'operator', number | null>(() => this.generation, 1);
  /** Persons by pid; only found ones are kept, since a first login's insert empties no cache ('entities INSERT'). */
  private readonly persons = new DirectoryCache<string, PersonByPid | null>(() => this.generation);
  private readonly caches = [this.clients, this.unknownClients, this.acting, this.entities, this.parties, this.visibility, this.operator, this.persons];
  /**
   * The persons' misses go to Postgres together: after a change empties the
   * caches, or as entries age out, many returning persons cost one round trip.
   */
  private readonly personLoads = new Batcher<string, PersonByPid | null>((pids) => this.loadPersons(pids), {
    maxBatch: 500,
    maxInFlight: 2,
    // Far beyond what a process logs in per round trip; a flood past it is answered 503 at once.
    maxWaiting: 10_000,
    failsWaiting: isDatabaseUnavailable,
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hub: NotificationHub,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.hub.subscribe(DIRECTORY_CHANNEL, {
      onNotification: (payload) => {
        if (!changesNoCachedAnswer(payload)) this.invalidate();
      },
      onResync: async () => this.invalidate(),
      onLost: () => this.invalidate(),
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Empties every cache: on each change notification, and after this process's own commits. */
  invalidate(): void {
    this.generation += 1;
    for (const cache of this.caches) cache.clear();
  }

  async findClientCredentials(clientId: string): Promise<ClientCredentials | null> {
    if (!isUuid(clientId)) return null; // never hand a malformed id to a uuid column
    const id = clientId.toLowerCase();
    // Ids that name no client are cached apart, in a smaller cache: a look-up then costs the same
    // whether or not the id exists (nothing to time), and random ids cannot push real clients out.
    const known = () => this.cached(this.clients, id, () => this.loadClientCredentials(id), (value) => value !== null);
    return this.cached(this.unknownClients, id, known, (value) => value === null);
  }

  operatorPartyId(): Promise<number | null> {
    return this.cached(this.operator, 'operator', async () => (await this.dataSource.getRepository(PartyRecord).findOneBy({ operator: true }))?.id ?? null);
  }

  async findEntity(id: number): Promise<EntityRecord | null> {
    const entity = await this.cached(this.entities, id, () => this.dataSource.getRepository(EntityRecord).findOneBy({ id }), (value) => value !== null);
    this.remember('entity', entity);
    return entity;
  }

  findByPid(pid: string): Promise<PersonByPid | null> {
    return this.cached(this.persons, pid, () => this.personLoads.add(pid), (value) => value !== null);
  }

  async findParty(id: number): Promise<PartyRecord | null> {
    const party = await this.cached(this.parties, id, () => this.dataSource.getRepository(PartyRecord).findOneBy({ id }), (value) => value !== null);
    this.remember('party', party);
    return party;
  }

  actingParties(entityId: number): Promise<ActingParty[]> {
    return this.cached(this.acting, entityId, () => this.loadActingParties(entityId));
  }

  isOwnerOrMember(entityId: number, partyId: number): Promise<boolean> {
    return this.cached(this.visibility, `${entityId}:${partyId}`, async () => {
      const rows: unknown[] = await this.dataSource.query(
        `SELECT 1 FROM parties WHERE id = $2 AND entity_id = $1
         UNION ALL SELECT 1 FROM party_memberships WHERE party_id = $2 AND entity_id = $1 LIMIT 1`,
        [entityId, partyId],
      );
      return rows.length > 0;
    });
  }

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

  /** Through the cache while change notifications are flowing, straight from the database otherwise. */
  private cached<K, V>(cache: DirectoryCache<K, V>, key: K, load: () => Promise<V>, cacheable?: (value: V) => boolean): Promise<V> {
    return this.hub.isListening ? cache.get(key, load, cacheable) : load();
  }

  private async loadClientCredentials(id: string): Promise<ClientCredentials | null> {
    const client = await this.dataSource.getRepository(EntityClientRecord).findOne({ where: { clientId: id }, relations: { entity: true } });
    if (client === null || client.entity === undefined) return null;
    this.remember('entity', client.entity);
    const keys = await this.dataSource.getRepository(EntityClientKeyRecord).find({ where: { clientId: client.clientId }, order: { createdAt: 'ASC' } });
    const secrets = await this.dataSource.getRepository(EntityClientSecretRecord).find({ where: { clientId: client.clientId }, order: { createdAt: 'ASC' } });
    return { client, entity: client.entity, keys: keys.map(toRegisteredKey), secrets: secrets.map(({ secretId, digest, lastUsedAt }) => ({ secretId, digest, lastUsedAt })) };
  }

  private async loadPersons(pids: string[]): Promise<(PersonByPid | null)[]> {
    const rows: (PersonByPid & { pid: string })[] = await this.dataSource.query(
      `SELECT id, eid, name, status, type, business_id AS pid FROM entities WHERE business_id = ANY($1) AND business_id_type = 'pid'`,
      [pids],
    );
    const found = new Map(rows.map(({ pid, ...person }) => [pid, person]));
    return pids.map((pid) => found.get(pid) ?? null);
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

  private remember(kind: 'entity' | 'party', record: { id: number; name: string } | null | undefined): void {
    if (record == null) return;
    const key = `${kind}:${record.id}`;
    this.knownNames.delete(key);
    this.knownNames.set(key, record.name);
    // Bounded: the oldest entry goes first (Map keeps insertion order).
    if (this.knownNames.size > MAX_REMEMBERED_NAMES) this.knownNames.delete(this.knownNames.keys().next().value!);
  }
}

/**
 * A new entity changes no answer these caches hold: an unknown entity is
 * never cached, and nothing (client, party, membership) refers to it yet;
 * whatever later does is another change. The payload is 'table OPERATION'
 * (migration DirectoryNotificationOperation); anything else empties them.
 */
export function changesNoCachedAnswer(payload: string | undefined): boolean {
  return payload === 'entities INSERT';
}

/** Stored keys were checked on registration; parsing again restores the same kid, algorithms and thumbprint. */
function toRegisteredKey(record: EntityClientKeyRecord): RegisteredPublicKey {
  return parsePublicKey({ ...record.jwk, kid: record.kid });
}
