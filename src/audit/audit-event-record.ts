import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One change made through the admin API: who, acting for which party, what, when. */
@Entity('audit_events')
@Index('audit_events_entity_id_idx', ['entityId', 'id'])
export class AuditEventRecord {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'audit_events_pkey' })
  id: string;

  @Column('timestamptz', { name: 'occurred_at', default: () => 'now()' })
  occurredAt: Date;

  @Column('integer', { name: 'actor_entity_id' })
  actorEntityId: number;

  @Column('integer', { name: 'actor_party_id', nullable: true })
  actorPartyId: number | null;

  @Column('uuid', { name: 'actor_client_id', nullable: true })
  actorClientId: string | null;

  /** e.g. `entity_client.create`, `entity_client_key.remove`. */
  @Column('text')
  action: string;

  @Column('text', { name: 'target_type' })
  targetType: string;

  @Column('text', { name: 'target_id' })
  targetId: string;

  /** The entity the target belongs to, so a company admin can read its own trail. */
  @Column('integer', { name: 'entity_id', nullable: true })
  entityId: number | null;

  /** Before and after of the changed fields; never secrets. */
  @Column('jsonb')
  diff: Record<string, unknown>;
}
