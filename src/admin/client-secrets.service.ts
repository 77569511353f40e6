import { Injectable } from '@nestjs/common';
import { ProblemError } from '../common/protocol-errors.js';
import type { ClientSecretsView, CreatedClientSecretView } from '../contract/wire.js';
import { SecretDigest } from '../crypto/secret-digest.js';
import { AuditTrail } from '../audit/audit-trail.service.js';
import { DirectoryStore } from '../directory/directory-store.js';
import type { Principal } from '../tokens/principal.js';
import { AdminPolicy } from './admin-policy.js';
import { ClientAdminService } from './client-admin.service.js';

/** Two at a time: one in use, the next while the client moves over (rotation without downtime). */
export const MAX_SECRETS_PER_CLIENT = 2;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A client's secrets: 256 random bits each, shown once when made and kept
 * only as a keyed digest. Making one hands the client's power to whoever
 * reads it, so a company admin may only for a client within its own scopes.
 */
@Injectable()
export class ClientSecretsService {
  constructor(
    private readonly clients: ClientAdminService,
    private readonly store: DirectoryStore,
    private readonly policy: AdminPolicy,
    private readonly audit: AuditTrail,
    private readonly digest: SecretDigest,
  ) {}

  async create(principal: Principal, clientId: string): Promise<CreatedClientSecretView> {
    const { actor, client } = await this.clients.managedClient(principal, clientId);
    this.policy.assertMayEmpower(actor, client.scopes);
    const secret = SecretDigest.generate();
    return this.audit.audited(principal, async (tx) => {
      await this.store.lockClient(client.clientId, tx);
      if ((await this.store.findClientSecrets(client.clientId, tx)).length >= MAX_SECRETS_PER_CLIENT) {
        throw ProblemError.conflict(`A client holds at most ${MAX_SECRETS_PER_CLIENT} secrets: delete the old one first`);
      }
      const stored = await this.store.addClientSecret(client.clientId, this.digest.digest(secret), tx);
      return {
        result: { secret_id: stored.secretId, client_secret: secret, created_at: stored.createdAt.toISOString() },
        change: { action: 'entity_client_secret.create', targetType: 'entity_client', targetId: client.clientId, entityId: client.entityId, diff: { after: { id: stored.secretId } } },
      };
    });
  }

  async list(principal: Principal, clientId: string): Promise<ClientSecretsView> {
    const { client } = await this.clients.managedClient(principal, clientId);
    const secrets = await this.store.findClientSecrets(client.clientId);
    return { secrets: secrets.map((secret) => ({ secret_id: secret.secretId, created_at: secret.createdAt.toISOString(), last_used_at: secret.lastUsedAt?.toISOString() ?? null })) };
  }

  async remove(principal: Principal, clientId: string, secretId: string): Promise<void> {
    const { client } = await this.clients.managedClient(principal, clientId);
    if (!UUID.test(secretId)) throw ProblemError.notFound('This client has no secret with this id');
    await this.audit.audited(principal, async (tx) => {
      if (!(await this.store.removeClientSecret(client.clientId, secretId, tx))) throw ProblemError.notFound('This client has no secret with this id');
      return { result: undefined, change: { action: 'entity_client_secret.delete', targetType: 'entity_client', targetId: client.clientId, entityId: client.entityId, diff: { before: { id: secretId } } } };
    });
  }
}
