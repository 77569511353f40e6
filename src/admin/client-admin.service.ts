import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ProblemError } from '../common/protocol-errors.js';
import { isValidEmailId } from '../model/business-id.js';
import { DirectoryStore, type PageRequest } from '../directory/directory-store.js';
import { EntityLookup, PartyLookup } from '../directory/lookups.js';
import { EntityClientRecord } from '../directory/records/entity-client-record.js';
import { clientView, keyView } from '../directory/views.js';
import { passwordProblems } from '../registrant/password-policy.js';
import { RegistrantCredentials, UsernameTakenError } from '../registrant/registrant-credentials.service.js';
import { normalizeUsername } from '../registrant/username.js';
import type { Principal } from '../tokens/principal.js';
import { RevocationList } from '../tokens/revocation-list.service.js';
import { changes, conflictsAs, parseKey, parseScopes, pathId } from './admin-input.js';
import { AdminPolicy, type AdminActor } from './admin-policy.js';
import type { AddClientKeyDto, CreateEntityClientDto, SetCredentialsDto, UpdateEntityClientDto } from './admin.dto.js';
import { AuditTrail } from '../audit/audit-trail.service.js';

/** Keys one client may hold: enough for rotation, few enough that trying them stays cheap. */
export const MAX_KEYS_PER_CLIENT = 10;

/**
 * Entity clients, their keys, and persons' credentials: the operator's for
 * every entity, a company admin's for its own. Changes are read by the next
 * login directly from Postgres (no cache), so a deactivated client or a
 * removed key is refused at once on every replica.
 */
@Injectable()
export class ClientAdminService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: DirectoryStore,
    private readonly parties: PartyLookup,
    private readonly entities: EntityLookup,
    private readonly policy: AdminPolicy,
    private readonly audit: AuditTrail,
    private readonly credentials: RegistrantCredentials,
    private readonly revocations: RevocationList,
  ) {}

  async list(principal: Principal, page: PageRequest, entityId?: number) {
    const actor = await this.policy.actorOf(principal);
    const only = this.policy.listScope(actor, entityId);
    const result = await this.store.page(EntityClientRecord, only === undefined ? {} : { entityId: only }, page, 'recordedAt');
    const items = await Promise.all(result.items.map(async (client) => clientView(client, await this.store.findClientKeys(client.clientId), this.config.timeZone)));
    return { ...result, items };
  }

  async read(principal: Principal, clientId: string) {
    const { client } = await this.managedClient(principal, clientId);
    return clientView(client, await this.store.findClientKeys(client.clientId), this.config.timeZone);
  }

  async create(principal: Principal, input: CreateEntityClientDto) {
    const actor = await this.policy.actorOf(principal);
    this.policy.assertCanManageClientsOf(actor, input.entity_id);
    const scopes = parseScopes(input.scopes);
    this.policy.assertMayGrant(actor, scopes);
    const key = parseKey(input.public_key);
    if ((await this.entities.findEntity(input.entity_id)) === null) throw ProblemError.validation({ entity_id: ['No such entity'] });
    const partyId = input.party_id ?? null;
    if (partyId !== null && !(await this.parties.isOwnerOrMember(input.entity_id, partyId))) {
      throw ProblemError.validation({ party_id: ['The entity neither owns this party nor is a member of it'] });
    }
    return conflictsAs('This key is registered already', () =>
      this.audit.audited(principal, async (tx) => {
        const { client, keys } = await this.store.createClient(
          { clientId: randomUUID(), entityId: input.entity_id, name: input.name.trim(), scopes: scopes.toArray(), partyId, recordedBy: principal.entityId }, [key], tx);
        const view = clientView(client, keys, this.config.timeZone);
        return { result: view, change: { action: 'entity_client.create', targetType: 'entity_client', targetId: client.clientId, entityId: client.entityId, diff: { after: view } } };
      }),
    );
  }

  async update(principal: Principal, clientId: string, input: UpdateEntityClientDto) {
    const { actor, client } = await this.managedClient(principal, clientId);
    let scopes: string[] | undefined;
    if (input.scopes !== undefined) {
      const parsed = parseScopes(input.scopes);
      this.policy.assertMayGrant(actor, parsed);
      scopes = parsed.toArray();
    }
    const diff = changes(
      { name: client.name, scopes: client.scopes, active: client.active, partyId: client.partyId },
      { name: input.name?.trim(), scopes, active: input.active, partyId: input.party_id },
    );
    // Reactivating or moving a client hands its power (as it will be after this change) to its key holders.
    if (diff.after.active === true || diff.after.partyId !== undefined) this.policy.assertMayEmpower(actor, scopes ?? client.scopes);
    if (diff.after.partyId != null && !(await this.parties.isOwnerOrMember(client.entityId, diff.after.partyId))) {
      throw ProblemError.validation({ party_id: ['The entity neither owns this party nor is a member of it'] });
    }
    return this.audit.audited(principal, async (tx) => {
      const changed = Object.keys(diff.after).length > 0;
      if (changed) await this.store.updateClient(client.clientId, diff.after, tx);
      const result = clientView({ ...client, ...diff.after } as EntityClientRecord, await this.store.findClientKeys(client.clientId, tx), this.config.timeZone);
      const action = diff.after.active === false ? 'entity_client.deactivate' : 'entity_client.update';
      return { result, change: changed ? { action, targetType: 'entity_client', targetId: client.clientId, entityId: client.entityId, diff } : null };
    });
  }

  deactivate(principal: Principal, clientId: string): Promise<unknown> {
    return this.update(principal, clientId, { active: false });
  }

  async addKey(principal: Principal, clientId: string, input: AddClientKeyDto) {
    const { actor, client } = await this.managedClient(principal, clientId);
    this.policy.assertMayEmpower(actor, client.scopes);
    const key = parseKey(input.public_key);
    return conflictsAs('This client has this key, or a key with this kid, already', () =>
      this.audit.audited(principal, async (tx) => {
        await this.store.lockClient(client.clientId, tx);
        // Each key may be tried for an assertion: a bound keeps a login's cost bounded.
        if ((await this.store.findClientKeys(client.clientId, tx)).length >= MAX_KEYS_PER_CLIENT) {
          throw ProblemError.conflict(`A client holds at most ${MAX_KEYS_PER_CLIENT} keys: remove one before adding another`);
        }
        const view = keyView(await this.store.addClientKey(client.clientId, key, tx));
        return { result: view, change: { action: 'entity_client_key.add', targetType: 'entity_client', targetId: client.clientId, entityId: client.entityId, diff: { after: view } } };
      }),
    );
  }

  async removeKey(principal: Principal, clientId: string, kid: string): Promise<void> {
    const { client } = await this.managedClient(principal, clientId);
    await this.audit.audited(principal, async (tx) => {
      await this.store.lockClient(client.clientId, tx);
      const keys = await this.store.findClientKeys(client.clientId, tx);
      const key = keys.find((candidate) => candidate.kid === kid);
      if (key === undefined) throw ProblemError.notFound('This client has no key with this kid');
      if (keys.length === 1) throw ProblemError.conflict('A client keeps at least one key: add the new key before removing the last one');
      await this.store.removeClientKey(client.clientId, kid, tx);
      return { result: undefined, change: { action: 'entity_client_key.remove', targetType: 'entity_client', targetId: client.clientId, entityId: client.entityId, diff: { before: keyView(key) } } };
    });
  }

  /**
   * A person's username (its e-mail) and password; hashed before the
   * transaction, which stays short. Replacing existing credentials must be
   * asked for (`replace: true`) and is audited as such. Who may: AdminPolicy.
   */
  async setCredentials(principal: Principal, entityIdText: string, input: SetCredentialsDto): Promise<void> {
    const actor = await this.policy.actorOf(principal);
    const entityId = pathId(entityIdText, 'entity');
    // Decided before the entity is read, so a company admin cannot probe other ids; decided again under the lock.
    await this.policy.assertCanSetCredentialsOf(actor, entityId);
    const entity = await this.entities.findEntity(entityId);
    if (entity === null) throw ProblemError.notFound('No such entity');
    const problems: Record<string, string[]> = {};
    if (entity.type !== 'person') problems.entity = ['Only person entities have credentials'];
    const username = normalizeUsername(input.username);
    if (!isValidEmailId(username)) problems.username = ['must be an e-mail address'];
    const passwordIssues = passwordProblems(input.password);
    if (passwordIssues.length > 0) problems.password = passwordIssues;
    if (Object.keys(problems).length > 0) throw ProblemError.validation(problems);
    const passwordHash = await this.credentials.hasher.hash(input.password);
    const custody = actor.kind === 'company' ? actor.entityId : null;
    try {
      await this.audit.audited(principal, async (tx) => {
        await this.store.lockEntity(entity.id, tx);
        await this.policy.assertCanSetCredentialsOf(actor, entity.id, tx);
        const existing = await this.credentials.ofEntity(entity.id, tx);
        if (existing !== null && input.replace !== true) {
          throw ProblemError.conflict('This person has credentials already: send "replace": true to replace them');
        }
        await this.credentials.set(entity.id, username, passwordHash, custody, tx);
        const after = { username, managed_by_entity_id: custody };
        return {
          result: undefined,
          change: existing === null
            ? { action: 'credentials.set', targetType: 'entity', targetId: entity.id, entityId: entity.id, diff: { after } }
            : { action: 'credentials.replace', targetType: 'entity', targetId: entity.id, entityId: entity.id, diff: { before: { username: existing.username, managed_by_entity_id: existing.managedByEntityId }, after } },
        };
      });
    } catch (error) {
      if (error instanceof UsernameTakenError) throw ProblemError.conflict('This username belongs to another person');
      throw error;
    }
  }

  /**
   * Ends every token of the client issued until now, on every replica (its
   * next login gets fresh ones). For a client whose key may have leaked.
   */
  async revokeTokens(principal: Principal, clientId: string): Promise<{ client_id: string; revoked_before: string }> {
    const { client } = await this.managedClient(principal, clientId);
    // The revocation commits first (it must never wait on, or fail with, the trail); then it is recorded.
    const before = await this.revocations.revokeAllOf({ kind: 'client', clientId: client.clientId });
    await this.audit.audited(principal, async () => ({
      result: undefined,
      change: { action: 'entity_client.revoke_tokens', targetType: 'entity_client', targetId: client.clientId, entityId: client.entityId, diff: { after: { revoked_before: before.toISOString() } } },
    }));
    return { client_id: client.clientId, revoked_before: before.toISOString() };
  }

  /** The client, if it exists and the caller may manage it (403 for another entity's, 404 if none). */
  private async managedClient(principal: Principal, clientId: string): Promise<{ actor: AdminActor; client: EntityClientRecord }> {
    const actor = await this.policy.actorOf(principal);
    const client = await this.store.findClient(clientId);
    if (client === null) {
      if (actor.kind === 'company') this.policy.assertCanManageClientsOf(actor, 0);
      throw ProblemError.notFound('No such entity client');
    }
    this.policy.assertCanManageClientsOf(actor, client.entityId);
    return { actor, client };
  }
}

