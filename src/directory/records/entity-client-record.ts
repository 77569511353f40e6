import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { EntityRecord } from './entity-record.js';
import { PartyRecord } from './party-record.js';

/** A client of one entity: its scopes, an optional fixed party, and its metadata (RFC 7591 names). */
@Entity('entity_clients')
@Check('entity_clients_auth_method_check', `"token_endpoint_auth_method" IN ('private_key_jwt', 'client_secret_basic', 'client_secret_post', 'tls_client_auth', 'self_signed_tls_client_auth', 'none')`)
@Check('entity_clients_one_binding_check', `NOT ("dpop_bound_access_tokens" AND "tls_client_certificate_bound_access_tokens")`)
export class EntityClientRecord {
  @PrimaryColumn('uuid', { name: 'client_id', primaryKeyConstraintName: 'entity_clients_pkey' })
  clientId: string;

  @Index('entity_clients_entity_id_idx')
  @Column('integer', { name: 'entity_id' })
  entityId: number;

  @ManyToOne(() => EntityRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'entity_id', foreignKeyConstraintName: 'entity_clients_entity_id_fkey' })
  entity?: Relation<EntityRecord>;

  @Column('text')
  name: string;

  @Column('text', { array: true })
  scopes: string[];

  /** A fixed party: the client acts for it only. */
  @Column('integer', { name: 'party_id', nullable: true })
  partyId: number | null;

  @ManyToOne(() => PartyRecord, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'party_id', foreignKeyConstraintName: 'entity_clients_party_id_fkey' })
  party?: Relation<PartyRecord> | null;

  @Column('boolean', { default: true })
  active: boolean;

  /** The grant types it may use; any other is unauthorized_client. */
  @Column('text', { name: 'grant_types', array: true, default: () => "'{urn:ietf:params:oauth:grant-type:jwt-bearer}'" })
  grantTypes: string[];

  /** How it authenticates at the token, PAR, introspection and revocation endpoints. */
  @Column('text', { name: 'token_endpoint_auth_method', default: 'private_key_jwt' })
  tokenEndpointAuthMethod: string;

  @Column('text', { name: 'redirect_uris', array: true, default: () => "'{}'" })
  redirectUris: string[];

  @Column('text', { name: 'post_logout_redirect_uris', array: true, default: () => "'{}'" })
  postLogoutRedirectUris: string[];

  @Column('boolean', { name: 'require_pushed_authorization_requests', default: false })
  requirePushedAuthorizationRequests: boolean;

  @Column('text', { name: 'tls_client_auth_subject_dn', nullable: true })
  tlsClientAuthSubjectDn: string | null;

  @Column('boolean', { name: 'dpop_bound_access_tokens', default: false })
  dpopBoundAccessTokens: boolean;

  @Column('boolean', { name: 'tls_client_certificate_bound_access_tokens', default: false })
  tlsClientCertificateBoundAccessTokens: boolean;

  @Column('timestamptz', { name: 'recorded_at', default: () => 'now()' })
  recordedAt: Date;

  @Column('integer', { name: 'recorded_by', default: 0 })
  recordedBy: number;
}
