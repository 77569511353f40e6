import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { EntityClientRecord } from './entity-client-record.js';

/** One client secret, kept only as its keyed digest (SecretDigest); a client holds at most two, so secrets rotate without downtime. */
@Entity('entity_client_secrets')
export class EntityClientSecretRecord {
  @PrimaryColumn('uuid', { name: 'secret_id', primaryKeyConstraintName: 'entity_client_secrets_pkey' })
  secretId: string;

  @Index('entity_client_secrets_client_id_idx')
  @Column('uuid', { name: 'client_id' })
  clientId: string;

  @ManyToOne(() => EntityClientRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'entity_client_secrets_client_id_fkey' })
  client?: Relation<EntityClientRecord>;

  @Column('text')
  digest: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  /** Within an hour: marked at most hourly, so a busy client costs no write per login. */
  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;
}
