import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation, Unique } from 'typeorm';
import { EntityClientRecord } from '../directory/records/entity-client-record.js';

/** A one-time hand-off: a process token (kept only as its digest) that a client's caller redeems for the client's access token. */
@Entity('processes')
@Unique('processes_token_digest_key', ['tokenDigest'])
@Index('processes_open_idx', ['clientId', 'expiresAt'], { where: '"ended_at" IS NULL' })
export class ProcessRecord {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'processes_pkey' })
  id: string;

  @Column('text', { name: 'token_digest' })
  tokenDigest: string;

  @Column('uuid', { name: 'client_id' })
  clientId: string;

  @ManyToOne(() => EntityClientRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'processes_client_id_fkey' })
  client?: Relation<EntityClientRecord>;

  @Column('text', { name: 'process_id' })
  processId: string;

  @Column('text', { name: 'client_reference' })
  clientReference: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Index('processes_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'ended_at', nullable: true })
  endedAt: Date | null;
}
