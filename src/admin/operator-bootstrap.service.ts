import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ScopeSet } from '../model/scope.js';
import { DirectoryStore } from '../directory/directory-store.js';
import { PartyRecord } from '../directory/records/party-record.js';
import { OPERATOR_PARTY_TYPE } from '../model/business-id.js';

export const OPERATOR_SCOPES = ScopeSet.parse('manage:auth manage:data manage:registrant');
const BOOTSTRAP_LOCK = 724_150_003;
/** The operator organisation's name when no BOOTSTRAP_OPERATOR_NAME names it. */
const OPERATOR_NAME = 'FIS Operator';

/**
 * For the rest of the transaction, one at a time across processes and
 * replicas: the bootstrap, the operator party of a first start, and the
 * first operator's setup links (src/setup).
 */
export async function lockOperatorBootstrap(tx: EntityManager): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
}

/**
 * The operator party, made when none exists (a first start without
 * BOOTSTRAP_*, where a person becomes the operator through a setup link):
 * the organisation "FIS Operator" and its FIS operator party, both keyed by
 * a fresh UUID (business id type `uuid`), the party marked as the operator
 * party. An existing operator party is kept, whoever made it. Takes the lock.
 */
export async function ensureOperatorParty(store: DirectoryStore, tx: EntityManager): Promise<PartyRecord> {
  await lockOperatorBootstrap(tx);
  const existing = await tx.getRepository(PartyRecord).findOneBy({ operator: true });
  if (existing !== null) return existing;
  const key = randomUUID();
  const entity = await store.createEntity({ name: OPERATOR_NAME, type: 'organisation', businessId: key, businessIdType: 'uuid', recordedBy: 0 }, tx);
  const party = await store.createParty({ entityId: entity.id, name: OPERATOR_NAME, type: OPERATOR_PARTY_TYPE, businessId: key, businessIdType: 'uuid', recordedBy: 0 }, tx);
  await store.markOperatorParty(party.id, tx);
  return { ...party, operator: true } as PartyRecord;
}

/**
 * Makes sure, idempotently and once across replicas, that the operator's
 * entity, its FIS operator party (marked as the operator party) and its
 * client with the configured id and key exist. An operator client that an
 * admin deactivated stays inactive (logged). The entity and party are keyed by the client id (business id
 * type `uuid`), so renaming the operator never duplicates them. Without
 * BOOTSTRAP_*, the first start makes the operator party instead
 * (ensureOperatorParty) and src/setup prints a link to make its first person.
 */
@Injectable()
export class OperatorBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('OperatorBootstrap');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: DirectoryStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const operator = this.config.bootstrapOperator;
    if (operator === undefined) return;
    const { made, warnings } = await this.store.transaction(async (tx) => {
      await lockOperatorBootstrap(tx);
      const made: string[] = [];
      const warnings: string[] = [];
      const entity =
        (await this.store.findEntityByBusinessId(operator.clientId, 'uuid', tx)) ??
        (made.push('entity'), await this.store.createEntity({ name: operator.name, type: 'organisation', businessId: operator.clientId, businessIdType: 'uuid', recordedBy: 0 }, tx));
      const party =
        (await this.store.findPartyByBusinessId(operator.clientId, OPERATOR_PARTY_TYPE, tx)) ??
        (made.push('party'), await this.store.createParty({ entityId: entity.id, name: operator.name, type: OPERATOR_PARTY_TYPE, businessId: operator.clientId, businessIdType: 'uuid', recordedBy: 0 }, tx));
      // This party, and no other of its type, is the operator: the configuration is the root of trust.
      if (!party.operator) {
        if (made.length === 0) warnings.push(`the operator is now party ${party.id} (BOOTSTRAP_OPERATOR_CLIENT_ID's); any other party lost that standing`);
        await this.store.markOperatorParty(party.id, tx);
      }

      const client = await this.store.findClient(operator.clientId, tx);
      if (client === null) {
        made.push('client');
        await this.store.createClient(
          { clientId: operator.clientId, entityId: entity.id, name: `${operator.name} operator client`, scopes: OPERATOR_SCOPES.toArray(), partyId: party.id, recordedBy: 0 },
          [operator.publicKey],
          tx,
        );
        return { made, warnings };
      }
      if (client.entityId !== entity.id) throw new Error('BOOTSTRAP_OPERATOR_CLIENT_ID names a client of another entity');
      // A deactivation is an admin's decision (a leaked key, say): start-up never undoes it.
      if (!client.active) warnings.push(`the operator client ${client.clientId} is inactive and stays so; reactivate it through the admin API if that was not meant`);
      if (client.partyId !== party.id || ScopeSet.fromArray(client.scopes).toString() !== OPERATOR_SCOPES.toString()) {
        await this.store.updateClient(client.clientId, { scopes: OPERATOR_SCOPES.toArray(), partyId: party.id }, tx);
      }
      const keys = await this.store.findClientKeys(client.clientId, tx);
      if (!keys.some((key) => key.thumbprint === operator.publicKey.thumbprint)) {
        made.push('key');
        await this.store.addClientKey(client.clientId, operator.publicKey, tx);
      }
      return { made, warnings };
    });
    for (const warning of warnings) this.logger.warn(`Operator bootstrap: ${warning}`);
    this.logger.log(made.length === 0 ? 'Operator bootstrap: already in place' : `Operator bootstrap: created ${made.join(', ')}`);
  }
}
