import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation, Unique } from 'typeorm';
import { EntityClientRecord } from '../../directory/records/entity-client-record.js';
import { EntityRecord } from '../../directory/records/entity-record.js';
import { LoginSessionRecord } from './login-session-record.js';

/**
 * One authorization request, pushed (request_uri) or from the browser, until
 * it ends in a code or an error. Its secrets are digests: the request URI,
 * the page handle, the browser binding (a cookie) and the current form token.
 */
@Entity('authorization_requests')
@Unique('authorization_requests_request_uri_digest_key', ['requestUriDigest'])
@Unique('authorization_requests_handle_digest_key', ['handleDigest'])
export class AuthorizationRequestRecord {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'authorization_requests_pkey' })
  id: string;

  @Column('uuid', { name: 'client_id' })
  clientId: string;

  @ManyToOne(() => EntityClientRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'authorization_requests_client_id_fkey' })
  client?: Relation<EntityClientRecord>;

  @Column('text', { name: 'redirect_uri' })
  redirectUri: string;

  @Column('text')
  scope: string;

  @Column('text', { nullable: true })
  state: string | null;

  @Column('text', { nullable: true })
  nonce: string | null;

  @Column('text', { name: 'code_challenge' })
  codeChallenge: string;

  @Column('text', { nullable: true })
  prompt: string | null;

  @Column('integer', { name: 'max_age', nullable: true })
  maxAge: number | null;

  @Column('text', { name: 'request_uri_digest', nullable: true })
  requestUriDigest: string | null;

  @Column('text', { name: 'handle_digest', nullable: true })
  handleDigest: string | null;

  @Column('text', { name: 'browser_digest', nullable: true })
  browserDigest: string | null;

  @Column('text', { name: 'form_nonce_digest', nullable: true })
  formNonceDigest: string | null;

  @Column('integer', { name: 'entity_id', nullable: true })
  entityId: number | null;

  @ManyToOne(() => EntityRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'entity_id', foreignKeyConstraintName: 'authorization_requests_entity_id_fkey' })
  entity?: Relation<EntityRecord>;

  @Column('uuid', { name: 'login_session_id', nullable: true })
  loginSessionId: string | null;

  @ManyToOne(() => LoginSessionRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'login_session_id', foreignKeyConstraintName: 'authorization_requests_login_session_id_fkey' })
  loginSession?: Relation<LoginSessionRecord>;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Index('authorization_requests_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'ended_at', nullable: true })
  endedAt: Date | null;
}
