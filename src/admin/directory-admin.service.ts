import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ProblemError } from '../common/protocol-errors.js';
import { validateEntityBusinessId, validatePartyBusinessId, type EntityType } from '../model/business-id.js';
import { DirectoryStore, type PageRequest } from '../directory/directory-store.js';
import { EntityLookup, PartyLookup } from '../directory/lookups.js';
import { EntityRecord } from '../directory/records/entity-record.js';
import { PartyMembershipRecord } from '../directory/records/party-membership-record.js';
import { PartyRecord } from '../directory/records/party-record.js';
import { entityView, membershipView, partyView } from '../directory/views.js';
import type { Principal } from '../tokens/principal.js';
import { RevocationList } from '../tokens/revocation-list.service.js';
import { changes, conflictsAs, normalizeBusinessId, parseScopes, pathId } from './admin-input.js';
import { AdminPolicy } from './admin-policy.js';
import type {
  CreateEntityDto, CreatePartyDto, CreatePartyMembershipDto, UpdateEntityDto, UpdatePartyDto, UpdatePartyMembershipDto,
} from './admin.dto.js';
import { AuditTrail } from '../audit/audit-trail.service.js';

/** Entities, parties and memberships: the operator's to change; a company may read its own entity and parties. */
@Injectable()
export class DirectoryAdminService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: DirectoryStore,
    private readonly parties: PartyLookup,
    private readonly entities: EntityLookup,
    private readonly policy: AdminPolicy,
    private readonly audit: AuditTrail,
    private readonly revocations: RevocationList,
  ) {}

  // Entities

  async listEntities(principal: Principal, page: PageRequest, entityId?: number) {
    const actor = await this.policy.actorOf(principal);
    const only = this.policy.listScope(actor, entityId);
    const result = await this.store.page(EntityRecord, only === undefined ? {} : { id: only }, page, 'id');
    return { ...result, items: result.items.map((entity) => entityView(entity, this.config.timeZone)) };
  }

  async readEntity(principal: Principal, idText: string) {
    const actor = await this.policy.actorOf(principal);
    // Decided on the id before any lookup, so a company cannot probe which ids exist.
    this.policy.assertCanRead(actor, pathId(idText, 'entity'));
    return entityView(await this.entityOrNotFound(idText), this.config.timeZone);
  }

  async createEntity(principal: Principal, input: CreateEntityDto) {
    await this.policy.operator(principal);
    const businessId = normalizeBusinessId(input.business_id_type, input.business_id);
    const problem = validateEntityBusinessId(input.type as EntityType, input.business_id_type, businessId);
    if (problem !== null) throw ProblemError.validation({ business_id: [problem] });
    return conflictsAs('An entity with this business id and business id type exists', () =>
      this.audit.audited(principal, async (tx) => {
        const entity = await this.store.createEntity({ name: input.name.trim(), type: input.type, businessId, businessIdType: input.business_id_type, recordedBy: principal.entityId }, tx);
        const view = entityView(entity, this.config.timeZone);
        return { result: view, change: { action: 'entity.create', targetType: 'entity', targetId: entity.id, entityId: entity.id, diff: { after: view } } };
      }),
    );
  }

  async updateEntity(principal: Principal, idText: string, input: UpdateEntityDto) {
    await this.policy.operator(principal);
    const entity = await this.entityOrNotFound(idText);
    const updated = await this.updateNameAndStatus(principal, 'entity', entity, entity.id, input, (changes, tx) => this.store.updateEntity(entity.id, changes, tx));
    return entityView(updated, this.config.timeZone);
  }

  /** Entities and parties change the same two fields, with the same audit record. */
  private updateNameAndStatus<R extends { id: number; name: string; status: string }>(
    principal: Principal,
    kind: 'entity' | 'party',
    record: R,
    entityId: number,
    input: UpdateEntityDto,
    write: (changes: Partial<Pick<R, 'name' | 'status'>>, tx: EntityManager) => Promise<void>,
  ): Promise<R> {
    const diff = changes({ name: record.name, status: record.status }, { name: input.name?.trim(), status: input.status });
    return this.audit.audited(principal, async (tx) => {
      if (Object.keys(diff.after).length === 0) return { result: record, change: null };
      await write(diff.after as Partial<Pick<R, 'name' | 'status'>>, tx);
      return { result: { ...record, ...diff.after }, change: { action: `${kind}.update`, targetType: kind, targetId: record.id, entityId, diff } };
    });
  }

  /** Ends every token of the entity issued until now (its clients' and, for a person, her own), on every replica. */
  async revokeTokens(principal: Principal, idText: string): Promise<{ entity_id: number; revoked_before: string }> {
    await this.policy.operator(principal);
    const entity = await this.entityOrNotFound(idText);
    const before = await this.revocations.revokeAllOf({ kind: 'entity', entityId: entity.id });
    await this.audit.audited(principal, async () => ({
      result: undefined,
      change: { action: 'entity.revoke_tokens', targetType: 'entity', targetId: entity.id, entityId: entity.id, diff: { after: { revoked_before: before.toISOString() } } },
    }));
    return { entity_id: entity.id, revoked_before: before.toISOString() };
  }

  // Parties

  async listParties(principal: Principal, page: PageRequest, entityId?: number) {
    const actor = await this.policy.actorOf(principal);
    const only = this.policy.listScope(actor, entityId);
    const result = await this.store.page(PartyRecord, only === undefined ? {} : { entityId: only }, page, 'id');
    return { ...result, items: result.items.map((party) => partyView(party, this.config.timeZone)) };
  }

  async readParty(principal: Principal, idText: string) {
    const actor = await this.policy.actorOf(principal);
    const party = await this.parties.findParty(pathId(idText, 'party'));
    this.policy.assertCanRead(actor, party?.entityId ?? 0);
    if (party === null) throw ProblemError.notFound('No such party');
    return partyView(party, this.config.timeZone);
  }

  async createParty(principal: Principal, input: CreatePartyDto) {
    await this.policy.operator(principal);
    const businessId = normalizeBusinessId(input.business_id_type, input.business_id);
    const problem = validatePartyBusinessId(input.business_id_type, businessId);
    if (problem !== null) throw ProblemError.validation({ business_id: [problem] });
    if ((await this.entities.findEntity(input.entity_id)) === null) throw ProblemError.validation({ entity_id: ['No such entity'] });
    return conflictsAs('A party with this business id and type exists', () =>
      this.audit.audited(principal, async (tx) => {
        // A party of her own is a right beyond any company: not while a company admin holds her login.
        await this.store.lockEntity(input.entity_id, tx);
        await this.policy.assertCustodyAllows(input.entity_id, input.entity_id, tx);
        const party = await this.store.createParty({ entityId: input.entity_id, name: input.name.trim(), type: input.type, businessId, businessIdType: input.business_id_type, recordedBy: principal.entityId }, tx);
        const view = partyView(party, this.config.timeZone);
        return { result: view, change: { action: 'party.create', targetType: 'party', targetId: party.id, entityId: party.entityId, diff: { after: view } } };
      }),
    );
  }

  async updateParty(principal: Principal, idText: string, input: UpdatePartyDto) {
    await this.policy.operator(principal);
    const party = await this.partyOrNotFound(idText);
    const updated = await this.updateNameAndStatus(principal, 'party', party, party.entityId, input, (changes, tx) => this.store.updateParty(party.id, changes, tx));
    return partyView(updated, this.config.timeZone);
  }

  // Memberships

  async listMemberships(principal: Principal, page: PageRequest, entityId?: number, partyId?: number) {
    await this.policy.operator(principal);
    const where: Partial<Record<keyof PartyMembershipRecord, unknown>> = {};
    if (entityId !== undefined) where.entityId = entityId;
    if (partyId !== undefined) where.partyId = partyId;
    const result = await this.store.page(PartyMembershipRecord, where, page, 'id');
    return { ...result, items: result.items.map((membership) => membershipView(membership, this.config.timeZone)) };
  }

  async readMembership(principal: Principal, idText: string) {
    await this.policy.operator(principal);
    return membershipView(await this.membershipOrNotFound(idText), this.config.timeZone);
  }

  async createMembership(principal: Principal, input: CreatePartyMembershipDto) {
    await this.policy.operator(principal);
    const scopes = parseScopes(input.scopes);
    const [entity, party] = await Promise.all([this.entities.findEntity(input.entity_id), this.parties.findParty(input.party_id)]);
    const problems: Record<string, string[]> = {};
    if (entity === null) problems.entity_id = ['No such entity'];
    if (party === null) problems.party_id = ['No such party'];
    else if (party.entityId === input.entity_id) problems.party_id = ['The entity owns this party; owners need no membership'];
    if (Object.keys(problems).length > 0) throw ProblemError.validation(problems);
    return conflictsAs('This entity is a member of this party already', () =>
      this.audit.audited(principal, async (tx) => {
        await this.store.lockEntity(input.entity_id, tx);
        await this.policy.assertCustodyAllows(input.entity_id, party!.entityId, tx);
        const membership = await this.store.createMembership({ entityId: input.entity_id, partyId: input.party_id, scopes: scopes.toArray(), recordedBy: principal.entityId }, tx);
        const view = membershipView(membership, this.config.timeZone);
        return { result: view, change: { action: 'party_membership.create', targetType: 'party_membership', targetId: membership.id, entityId: party!.entityId, diff: { after: view } } };
      }),
    );
  }

  async updateMembership(principal: Principal, idText: string, input: UpdatePartyMembershipDto) {
    await this.policy.operator(principal);
    const membership = await this.membershipOrNotFound(idText);
    const scopes = parseScopes(input.scopes).toArray();
    const party = await this.parties.findParty(membership.partyId);
    const diff = changes({ scopes: membership.scopes }, { scopes });
    return this.audit.audited(principal, async (tx) => {
      const view = membershipView({ ...membership, scopes } as PartyMembershipRecord, this.config.timeZone);
      if (Object.keys(diff.after).length === 0) return { result: view, change: null };
      await this.store.updateMembership(membership.id, scopes, tx);
      return { result: view, change: { action: 'party_membership.update', targetType: 'party_membership', targetId: membership.id, entityId: party?.entityId ?? null, diff } };
    });
  }

  async deleteMembership(principal: Principal, idText: string): Promise<void> {
    await this.policy.operator(principal);
    const membership = await this.membershipOrNotFound(idText);
    const party = await this.parties.findParty(membership.partyId);
    await this.audit.audited(principal, async (tx) => {
      await this.store.deleteMembership(membership.id, tx);
      return {
        result: undefined,
        change: { action: 'party_membership.delete', targetType: 'party_membership', targetId: membership.id, entityId: party?.entityId ?? null, diff: { before: membershipView(membership, this.config.timeZone) } },
      };
    });
  }

  private async entityOrNotFound(idText: string): Promise<EntityRecord> {
    const entity = await this.entities.findEntity(pathId(idText, 'entity'));
    if (entity === null) throw ProblemError.notFound('No such entity');
    return entity;
  }

  private async partyOrNotFound(idText: string): Promise<PartyRecord> {
    const party = await this.parties.findParty(pathId(idText, 'party'));
    if (party === null) throw ProblemError.notFound('No such party');
    return party;
  }

  private async membershipOrNotFound(idText: string): Promise<PartyMembershipRecord> {
    const membership = await this.store.findMembership(pathId(idText, 'membership'));
    if (membership === null) throw ProblemError.notFound('No such membership');
    return membership;
  }
}
