import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ProblemError } from '../common/protocol-errors.js';
import type { CreatedEntityClientView } from '../contract/wire.js';
import { SecretDigest } from '../crypto/secret-digest.js';
import { DirectoryStore, type PageRequest } from '../directory/directory-store.js';
import { EntityLookup, PartyLookup } from '../directory/lookups.js';
import { EntityClientRecord } from '../directory/records/entity-client-record.js';
import { clientView, keyView } from '../directory/views.js';
import { clientMetadataProblems, DEFAULT_CLIENT_METADATA, isSecretMethod } from '../model/client-metadata.js';
import type { Principal } from '../tokens/principal.js';
import { RevocationList } from '../tokens/revocation-list.service.js';
import { AuditTrail } from '../audit/audit-trail.service.js';
import { changes, conflictsAs, parseKey, parseScopes } from './admin-input.js';
import { AdminPolicy, type AdminActor } from './admin-policy.js';
import { metadataFrom, metadataOf, widensUse } from './client-metadata-input.js';
import type { AddClientKeyDto, CreateEntityClientDto, UpdateEntityClientDto } from './entity-client.dto.js';

/** Keys one client may hold: enough for rotation, few enough that trying them stays cheap. */
export const MAX_KEYS_PER_CLIENT = 10;

/**
 * Entity clients, their metadata and their keys: the operator's for every
 * entity, a company admin's for its own. The caches every replica keeps
 * follow each change within a second.
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
    private readonly digest: SecretDigest,
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

  /**
   * A client with its metadata and, as it needs them, its first key and its
   * first secret (shown in this answer only, stored as a digest).
   */
  async create(principal: Principal, input: CreateEntityClientDto): Promise<CreatedEntityClientView> {
    const actor = await this.policy.actorOf(principal);
    this.policy.assertCanManageClientsOf(actor, input.entity_id);
    const scopes = parseScopes(input.scopes);
    this.policy.assertMayGrant(actor, scopes);
    const key = input.public_key === undefined ? undefined : parseKey(input.public_key);
    const metadata = metadataFrom(input, DEFAULT_CLIENT_METADATA, key !== undefined);
    if ((await this.entities.findEntity(input.entity_id)) === null) throw ProblemError.validation({ entity_id: ['No such entity'] });
    const partyId = input.party_id ?? null;
    if (partyId !== null && !(await this.parties.isOwnerOrMember(input.entity_id, partyId))) {
      throw ProblemError.validation({ party_id: ['The entity neither owns this party nor is a member of it'] });
    }
    const secret = isSecretMethod(metadata.tokenEndpointAuthMethod) ? SecretDigest.generate() : undefined;
    return conflictsAs('This key is registered already', () =>
      this.audit.audited(principal, async (tx) => {
        const { client, keys } = await this.store.createClient(
          { clientId: randomUUID(), entityId: input.entity_id, name: input.name.trim(), scopes: scopes.toArray(), partyId, recordedBy: principal.entityId, ...metadata },
          key === undefined ? [] : [key], tx);
        const view = clientView(client, keys, this.config.timeZone);
        const stored = secret === undefined ? undefined : await this.store.addClientSecret(client.clientId, this.digest.digest(secret), tx);
        return {
          result: stored === undefined ? view : { ...view, client_secret: secret!, secret_id: stored.secretId },
          change: { action: 'entity_client.create', targetType: 'entity_client', targetId: client.clientId, entityId: client.entityId, diff: { after: view } },
        };
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
    const keys = await this.store.findClientKeys(client.clientId);
    const current = metadataOf(client);
    const metadata = metadataFrom(input, current, keys.length > 0);
    const diff = changes(
      { name: client.name, scopes: client.scopes, active: client.active, partyId: client.partyId, ...current } as Record<string, unknown>,
      { name: input.name?.trim(), scopes, active: input.active, partyId: input.party_id, ...metadata },
    );
    // Reactivating, moving or opening a client to new uses hands its power (as it will be after this change) to others.
    if (diff.after.active === true || diff.after.partyId !== undefined || widensUse(current, metadata)) this.policy.assertMayEmpower(actor, scopes ?? client.scopes);
    const partyId = diff.after.partyId as number | null | undefined;
    if (partyId != null && !(await this.parties.isOwnerOrMember(client.entityId, partyId))) {
      throw ProblemError.validation({ party_id: ['The entity neither owns this party nor is a member of it'] });
    }
    return this.audit.audited(principal, async (tx) => {
      const changed = Object.keys(diff.after).length > 0;
      if (changed) await this.store.updateClient(client.clientId, diff.after as Partial<EntityClientRecord>, tx);
      const result = clientView({ ...client, ...diff.after } as EntityClientRecord, keys, this.config.timeZone);
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
      if (keys.length === 1 && Object.keys(clientMetadataProblems(metadataOf(client), false)).length > 0) {
        throw ProblemError.conflict('This client needs a key (its method or the JWT-bearer grant): add the new key before removing the last one');
      }
      await this.store.removeClientKey(client.clientId, kid, tx);
      return { result: undefined, change: { action: 'entity_client_key.remove', targetType: 'entity_client', targetId: client.clientId, entityId: client.entityId, diff: { before: keyView(key) } } };
    });
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
  async managedClient(principal: Principal, clientId: string): Promise<{ actor: AdminActor; client: EntityClientRecord }> {
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

