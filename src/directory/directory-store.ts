import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import type { RegisteredPublicKey } from '../crypto/public-key.js';
import { isUuid } from '../model/business-id.js';
import { DirectoryReader } from './directory-reader.js';
import type { PersonByPid } from './lookups.js';
import { EntityClientKeyRecord } from './records/entity-client-key-record.js';
import { EntityClientRecord } from './records/entity-client-record.js';
import { EntityClientSecretRecord } from './records/entity-client-secret-record.js';
import { EntityRecord } from './records/entity-record.js';
import { PartyMembershipRecord } from './records/party-membership-record.js';
import { PartyRecord } from './records/party-record.js';

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

/**
 * Changes to the directory tables, and the reads that decide them (never from
 * a cache). Every write takes the manager of a transaction opened here, and
 * after each commit this process's caches are emptied at once; the other
 * replicas hear of it by NOTIFY.
 */
/** What a transaction writes, as far as the caches care. */
export type DirectoryWrites = 'any' | 'none-cached';

@Injectable()
export class DirectoryStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reader: DirectoryReader,
  ) {}

  /**
   * Runs `work` in one transaction; the caller passes the manager on to the
   * other methods. `writes` 'none-cached' promises that nothing work writes
   * can change an answer the caches hold (new entities, changesNoCachedAnswer,
   * or tables they never read): this process then keeps its caches, as the
   * other replicas keep theirs.
   */
  async transaction<T>(work: (manager: EntityManager) => Promise<T>, writes: DirectoryWrites = 'any'): Promise<T> {
    const result = await this.dataSource.transaction(work);
    if (writes === 'any') this.reader.invalidate();
    return result;
  }

  createEntity(input: Pick<EntityRecord, 'name' | 'type' | 'businessId' | 'businessIdType' | 'recordedBy'>, manager: EntityManager): Promise<EntityRecord> {
    return insert(manager, EntityRecord, { ...input, eid: randomUUID(), status: 'active' });
  }

  createParty(input: Pick<PartyRecord, 'entityId' | 'name' | 'type' | 'businessId' | 'businessIdType' | 'recordedBy'>, manager: EntityManager): Promise<PartyRecord> {
    return insert(manager, PartyRecord, { ...input, status: 'active' });
  }

  createMembership(input: Pick<PartyMembershipRecord, 'entityId' | 'partyId' | 'scopes' | 'recordedBy'>, manager: EntityManager): Promise<PartyMembershipRecord> {
    return insert(manager, PartyMembershipRecord, input);
  }

  async createClient(
    input: Pick<EntityClientRecord, 'clientId' | 'entityId' | 'name' | 'scopes' | 'partyId' | 'recordedBy'>,
    keys: readonly RegisteredPublicKey[],
    manager: EntityManager,
  ): Promise<{ client: EntityClientRecord; keys: EntityClientKeyRecord[] }> {
    const client = await insert(manager, EntityClientRecord, { ...input, active: true });
    const stored: EntityClientKeyRecord[] = [];
    for (const key of keys) stored.push(await this.addClientKey(client.clientId, key, manager));
    return { client, keys: stored };
  }

  addClientKey(clientId: string, key: RegisteredPublicKey, manager: EntityManager): Promise<EntityClientKeyRecord> {
    return insert(manager, EntityClientKeyRecord, { clientId, kid: key.kid, jwk: key.jwk as Record<string, unknown>, thumbprint: key.thumbprint });
  }

  async updateClient(clientId: string, changes: Partial<Pick<EntityClientRecord, 'name' | 'scopes' | 'partyId' | 'active'>>, manager: EntityManager): Promise<void> {
    await manager.getRepository(EntityClientRecord).update({ clientId }, changes);
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

  addClientSecret(clientId: string, digest: string, manager: EntityManager): Promise<EntityClientSecretRecord> {
    return insert(manager, EntityClientSecretRecord, { secretId: randomUUID(), clientId, digest });
  }

  async removeClientSecret(clientId: string, secretId: string, manager: EntityManager): Promise<boolean> {
    return ((await manager.getRepository(EntityClientSecretRecord).delete({ clientId, secretId })).affected ?? 0) > 0;
  }

  findClientSecrets(clientId: string, manager: EntityManager = this.dataSource.manager): Promise<EntityClientSecretRecord[]> {
    return manager.getRepository(EntityClientSecretRecord).find({ where: { clientId }, order: { createdAt: 'ASC' } });
  }

  /**
   * Marks a secret used, at most once an hour (no notification: the caches
   * do not hold this), and re-digests it under the current token secret when
   * `digest` is given.
   */
  async markSecretUsed(secretId: string, digest?: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE entity_client_secrets SET last_used_at = now(), digest = coalesce($2, digest)
        WHERE secret_id = $1 AND ($2::text IS NOT NULL OR last_used_at IS NULL OR last_used_at < now() - interval '1 hour')`,
      [secretId, digest ?? null],
    );
  }

  /** Makes `partyId` the operator party, and no other. */
  async markOperatorParty(partyId: number, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE parties SET operator = false WHERE operator AND id <> $1', [partyId]);
    await manager.query('UPDATE parties SET operator = true WHERE id = $1 AND NOT operator', [partyId]);
  }

  /**
   * Creates the person with this ETSI personal identifier, safe under
   * concurrent first logins (the insert does nothing if she exists; the
   * statement then notifies 'entities INSERT' only, which empties no cache).
   * Null if the id is taken, by her or by a non-person.
   */
  async createPersonByPid(pid: string, name: string, manager: EntityManager): Promise<PersonByPid | null> {
    const [created]: PersonByPid[] = await manager.query(
      `INSERT INTO entities (eid, name, type, business_id, business_id_type) VALUES ($1, $2, 'person', $3, 'pid')
       ON CONFLICT (business_id, business_id_type) DO NOTHING
       RETURNING id, eid, name, status, type`,
      [randomUUID(), name, pid],
    );
    return created ?? null;
  }

  /** Renames the person with this personal identifier; her previous name, or null if no person has it. */
  async renamePersonByPid(pid: string, name: string, manager: EntityManager): Promise<(PersonByPid & { previousName: string }) | null> {
    // TypeORM answers an UPDATE with [rows, count].
    const [[renamed]]: [(PersonByPid & { previous_name: string })[], number] = await manager.query(
      `UPDATE entities AS e SET name = $2 FROM (SELECT id, name FROM entities WHERE business_id = $1 AND business_id_type = 'pid' FOR UPDATE) AS before
       WHERE e.id = before.id AND e.type = 'person'
       RETURNING e.id, e.eid, e.name, e.status, e.type, before.name AS previous_name`,
      [pid, name],
    );
    if (renamed === undefined) return null;
    const { previous_name: previousName, ...person } = renamed;
    return { ...person, previousName };
  }

  /** Locks the entity row for the rest of the transaction: changes to one person's rights and login are serialized. */
  async lockEntity(id: number, manager: EntityManager): Promise<EntityRecord | null> {
    return manager.getRepository(EntityRecord).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Locks the client row for the rest of the transaction: key changes are serialized per client. */
  async lockClient(clientId: string, manager: EntityManager): Promise<EntityClientRecord | null> {
    if (!isUuid(clientId)) return null;
    return manager.getRepository(EntityClientRecord).findOne({ where: { clientId: clientId.toLowerCase() }, lock: { mode: 'pessimistic_write' } });
  }

  // Reads that decide a change, or show the admin what is stored: always from the database.

  async findClient(clientId: string, manager: EntityManager = this.dataSource.manager): Promise<EntityClientRecord | null> {
    if (!isUuid(clientId)) return null;
    return manager.getRepository(EntityClientRecord).findOneBy({ clientId: clientId.toLowerCase() });
  }

  findClientKeys(clientId: string, manager: EntityManager = this.dataSource.manager): Promise<EntityClientKeyRecord[]> {
    return manager.getRepository(EntityClientKeyRecord).find({ where: { clientId }, order: { createdAt: 'ASC' } });
  }

  findMembership(id: number): Promise<PartyMembershipRecord | null> {
    return this.dataSource.getRepository(PartyMembershipRecord).findOneBy({ id });
  }

  findEntityByBusinessId(businessId: string, businessIdType: string, manager: EntityManager): Promise<EntityRecord | null> {
    return manager.getRepository(EntityRecord).findOneBy({ businessId, businessIdType });
  }

  findPartyByBusinessId(businessId: string, type: string, manager: EntityManager): Promise<PartyRecord | null> {
    return manager.getRepository(PartyRecord).findOneBy({ businessId, type });
  }

  /** The entity with this ETSI personal identifier (any type: a non-person must not be taken for one). */
  async findByPid(pid: string): Promise<PersonByPid | null> {
    const [found]: PersonByPid[] = await this.dataSource.query(`SELECT id, eid, name, status, type FROM entities WHERE business_id = $1 AND business_id_type = 'pid'`, [pid]);
    return found ?? null;
  }

  /** Whose parties an entity may act for, active or not: the owners of the parties it is a member of, and whether it owns one. */
  async rightsOf(entityId: number, manager: EntityManager = this.dataSource.manager): Promise<{ ownsParties: boolean; memberOfPartiesOf: number[] }> {
    const rows: { owner: number; own: boolean }[] = await manager.query(
      `SELECT DISTINCT p.entity_id AS owner, false AS own FROM party_memberships m JOIN parties p ON p.id = m.party_id WHERE m.entity_id = $1
       UNION ALL SELECT $1, true WHERE EXISTS (SELECT 1 FROM parties WHERE entity_id = $1)`,
      [entityId],
    );
    return { ownsParties: rows.some((row) => row.own), memberOfPartiesOf: rows.filter((row) => !row.own).map((row) => row.owner) };
  }

  /** One page of a table in `order`, with the total for the filter. */
  async page<T extends object>(target: new () => T, where: Partial<Record<keyof T, unknown>>, page: PageRequest, order: keyof T): Promise<{ items: T[]; total: number }> {
    const [items, total] = await this.dataSource.getRepository(target).findAndCount({
      where: where as never,
      order: { [order]: 'ASC' } as never,
      skip: (page.page - 1) * page.perPage,
      take: page.perPage,
    });
    return { items, total };
  }
}

/** Inserts and returns the row as stored (defaults and generated ids filled in); a unique key refusing it is a DirectoryConflictError. */
async function insert<T extends object>(manager: EntityManager, target: new () => T, values: Partial<T>): Promise<T> {
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
