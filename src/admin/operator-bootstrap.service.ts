import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ScopeSet } from '../crypto/scope.js';
import { DirectoryService } from '../directory/directory.service.js';
import { OPERATOR_PARTY_TYPE } from '../tokens/operator.js';

export const OPERATOR_SCOPES = ScopeSet.parse('manage:auth manage:data manage:registrant');
const BOOTSTRAP_LOCK = 724_150_003;

/**
 * Makes sure, idempotently and once across replicas, that the operator's
 * entity, its FIS operator party and its client with the configured id and
 * key exist. The entity and party are keyed by the client id (business id
 * type `uuid`), so renaming the operator never duplicates them.
 */
@Injectable()
export class OperatorBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('OperatorBootstrap');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: DirectoryService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const operator = this.config.bootstrapOperator;
    if (operator === undefined) return;
    const created = await this.directory.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      const made: string[] = [];
      const entity =
        (await this.directory.findEntityByBusinessId(operator.clientId, 'uuid', tx)) ??
        (made.push('entity'), await this.directory.createEntity({ name: operator.name, type: 'organisation', businessId: operator.clientId, businessIdType: 'uuid', recordedBy: 0 }, tx));
      const party =
        (await this.directory.findPartyByBusinessId(operator.clientId, OPERATOR_PARTY_TYPE, tx)) ??
        (made.push('party'), await this.directory.createParty({ entityId: entity.id, name: operator.name, type: OPERATOR_PARTY_TYPE, businessId: operator.clientId, businessIdType: 'uuid', recordedBy: 0 }, tx));

      const client = await this.directory.findClient(operator.clientId, tx);
      if (client === null) {
        made.push('client');
        await this.directory.createClient(
          { clientId: operator.clientId, entityId: entity.id, name: `${operator.name} operator client`, scopes: OPERATOR_SCOPES.toArray(), partyId: party.id, recordedBy: 0 },
          [operator.publicKey],
          tx,
        );
        return made;
      }
      if (client.entityId !== entity.id) throw new Error('BOOTSTRAP_OPERATOR_CLIENT_ID names a client of another entity');
      await this.directory.updateClient(client.clientId, { scopes: OPERATOR_SCOPES.toArray(), partyId: party.id, active: true }, tx);
      const keys = await this.directory.findClientKeys(client.clientId, tx);
      if (!keys.some((key) => key.thumbprint === operator.publicKey.thumbprint)) {
        made.push('key');
        await this.directory.addClientKey(client.clientId, operator.publicKey, tx);
      }
      return made;
    });
    this.directory.invalidate();
    this.logger.log(created.length === 0 ? 'Operator bootstrap: already in place' : `Operator bootstrap: created ${created.join(', ')}`);
  }
}
