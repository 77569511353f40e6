import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DirectoryStore, type DirectoryWrites, type PageRequest } from '../directory/directory-store.js';
import { AuditEventRecord } from './audit-event-record.js';

/** Who made a change: the entity, acting for which party, through which client (a Principal is one). */
export interface AuditActor {
  readonly entityId: number;
  readonly partyId?: number;
  readonly clientId?: string;
}

export interface AuditedChange {
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string | number;
  readonly entityId: number | null;
  readonly diff: Record<string, unknown>;
}

/** Fields whose values never enter the trail, whatever a caller passes. */
const SECRET_FIELDS = /pass(word)?|secret|private|hash|^d$|^k$/i;

/** Writes the audit trail inside the directory store's transaction, so a change and its record stand or fall together. */
@Injectable()
export class AuditTrail {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: DirectoryStore,
  ) {}

  /**
   * Runs `work` in one transaction and records the change it reports in the
   * same one: both are written, or neither. `change` null means nothing changed.
   */
  async audited<T>(actor: AuditActor, work: (tx: EntityManager) => Promise<{ result: T; change: AuditedChange | null }>, writes: DirectoryWrites = 'any'): Promise<T> {
    return this.store.transaction(async (tx) => {
      const { result, change } = await work(tx);
      if (change !== null) await this.record(tx, actor, change);
      return result;
    }, writes);
  }

  async record(manager: EntityManager, actor: AuditActor, change: AuditedChange): Promise<void> {
    const repository = manager.getRepository(AuditEventRecord);
    await repository.save(repository.create({
      actorEntityId: actor.entityId,
      actorPartyId: actor.partyId ?? null,
      actorClientId: actor.clientId ?? null,
      action: change.action,
      targetType: change.targetType,
      targetId: String(change.targetId),
      entityId: change.entityId,
      diff: withoutSecrets(change.diff) as Record<string, unknown>,
    }));
  }

  /** Newest first; `entityId` limits it to changes of one entity's objects. */
  async page(page: PageRequest, entityId?: number) {
    const [events, total] = await this.dataSource.getRepository(AuditEventRecord).findAndCount({
      where: entityId === undefined ? {} : { entityId },
      order: { id: 'DESC' },
      skip: (page.page - 1) * page.perPage,
      take: page.perPage,
    });
    return {
      items: events.map((event) => ({
        id: Number(event.id),
        occurred_at: event.occurredAt.toISOString(),
        actor: { entity_id: event.actorEntityId, party_id: event.actorPartyId, client_id: event.actorClientId },
        action: event.action,
        target: { type: event.targetType, id: event.targetId, entity_id: event.entityId },
        diff: event.diff,
      })),
      total,
    };
  }
}

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !SECRET_FIELDS.test(key)).map(([key, inner]) => [key, withoutSecrets(inner)]));
}
