import { randomUUID } from 'node:crypto';
import { type ActingParty, type ClientCredentials, ClientLookup, EntityLookup, OWNER_SCOPES, PartyLookup } from '../../src/directory/lookups.js';
import type { EntityClientRecord } from '../../src/directory/records/entity-client-record.js';
import type { EntityRecord } from '../../src/directory/records/entity-record.js';
import type { PartyRecord } from '../../src/directory/records/party-record.js';
import { ScopeSet } from '../../src/model/scope.js';

/**
 * The directory in memory, behind the same lookup interfaces the reader
 * implements: for unit tests of the rules that read it. It answers as the
 * reader does (acting parties: active parties of active owners).
 */
export class FakeDirectory implements ClientLookup, PartyLookup, EntityLookup {
  readonly entities = new Map<number, EntityRecord>();
  readonly parties = new Map<number, PartyRecord>();
  readonly memberships: { entityId: number; partyId: number; scopes: string[] }[] = [];
  readonly clients = new Map<string, EntityClientRecord>();
  operatorParty: number | null = null;
  private nextId = 1;

  entity(fields: Partial<EntityRecord> = {}): EntityRecord {
    const entity = { id: this.nextId++, eid: randomUUID(), name: 'Entity', type: 'organisation', businessId: '', businessIdType: 'org', status: 'active', recordedAt: new Date(0), recordedBy: 0, ...fields } as EntityRecord;
    this.entities.set(entity.id, entity);
    return entity;
  }

  party(owner: EntityRecord, fields: Partial<PartyRecord> = {}): PartyRecord {
    const id = this.nextId++;
    const party = { id, entityId: owner.id, name: `Party ${id}`, type: 'service_provider', businessId: String(id), businessIdType: 'gln', status: 'active', operator: false, recordedAt: new Date(0), recordedBy: 0, ...fields } as PartyRecord;
    this.parties.set(party.id, party);
    return party;
  }

  member(entity: EntityRecord, party: PartyRecord, scopes: string[]): void {
    this.memberships.push({ entityId: entity.id, partyId: party.id, scopes });
  }

  client(owner: EntityRecord, fields: Partial<EntityClientRecord> = {}): EntityClientRecord {
    const client = { clientId: randomUUID(), entityId: owner.id, name: 'client', scopes: ['manage:auth', 'manage:data'], partyId: null, active: true, recordedAt: new Date(0), recordedBy: 0, ...fields } as EntityClientRecord;
    this.clients.set(client.clientId, client);
    return client;
  }

  async findClientCredentials(clientId: string): Promise<ClientCredentials | null> {
    const client = this.clients.get(clientId);
    const entity = client === undefined ? undefined : this.entities.get(client.entityId);
    return client === undefined || entity === undefined ? null : { client, entity, keys: [], secrets: [] };
  }

  async findParty(id: number): Promise<PartyRecord | null> {
    return this.parties.get(id) ?? null;
  }

  async actingParties(entityId: number): Promise<ActingParty[]> {
    const active = (party: PartyRecord | undefined) => party !== undefined && party.status === 'active' && this.entities.get(party.entityId)?.status === 'active';
    const owned = [...this.parties.values()].filter((party) => party.entityId === entityId && party.status === 'active');
    const members = this.memberships.filter((membership) => membership.entityId === entityId && active(this.parties.get(membership.partyId)));
    return [
      ...owned.map((party) => ({ party, scopes: OWNER_SCOPES, owned: true })),
      ...members.map((membership) => ({ party: this.parties.get(membership.partyId)!, scopes: ScopeSet.fromArray(membership.scopes), owned: false })),
    ];
  }

  async isOwnerOrMember(entityId: number, partyId: number): Promise<boolean> {
    return this.parties.get(partyId)?.entityId === entityId || this.memberships.some((membership) => membership.entityId === entityId && membership.partyId === partyId);
  }

  async operatorPartyId(): Promise<number | null> {
    return this.operatorParty;
  }

  async findEntity(id: number): Promise<EntityRecord | null> {
    return this.entities.get(id) ?? null;
  }

  async names(entityId: number, partyId: number | undefined): Promise<{ entityName: string; partyName?: string } | null> {
    const entity = this.entities.get(entityId);
    const party = partyId === undefined ? undefined : this.parties.get(partyId);
    if (entity === undefined || (partyId !== undefined && party === undefined)) return null;
    return { entityName: entity.name, ...(party === undefined ? {} : { partyName: party.name }) };
  }
}
