import type { ClientAuthMethod } from '../contract/urns.js';
import type { ClientKeyView, EntityClientView, EntityView, MembershipView, PartyView } from '../contract/wire.js';
import { partyRole } from '../model/business-id.js';
import type { EntityClientKeyRecord } from './records/entity-client-key-record.js';
import type { EntityClientRecord } from './records/entity-client-record.js';
import type { EntityRecord } from './records/entity-record.js';
import type { PartyMembershipRecord } from './records/party-membership-record.js';
import type { PartyRecord } from './records/party-record.js';

/** The wire shapes of directory objects, each produced here only. */

/** "2023-12-31 00:00:00 Europe/Oslo", the data API's time format. */
export function formatRecordedAt(date: Date, timeZone: string): string {
  const local = new Intl.DateTimeFormat('sv-SE', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).format(date);
  return `${local} ${timeZone}`;
}

export function entityView(entity: EntityRecord, timeZone: string): EntityView {
  return {
    id: entity.id,
    eid: entity.eid,
    name: entity.name,
    type: entity.type,
    business_id: entity.businessId,
    business_id_type: entity.businessIdType,
    status: entity.status,
    recorded_at: formatRecordedAt(entity.recordedAt, timeZone),
    recorded_by: entity.recordedBy,
  };
}

export function partyView(party: PartyRecord, timeZone: string): PartyView {
  return {
    id: party.id,
    name: party.name,
    business_id: party.businessId,
    business_id_type: party.businessIdType,
    entity_id: party.entityId,
    type: party.type,
    role: partyRole(party.type),
    status: party.status,
    recorded_at: formatRecordedAt(party.recordedAt, timeZone),
    recorded_by: party.recordedBy,
  };
}

export function membershipView(membership: PartyMembershipRecord, timeZone: string): MembershipView {
  return {
    id: membership.id,
    entity_id: membership.entityId,
    party_id: membership.partyId,
    scopes: membership.scopes,
    recorded_at: formatRecordedAt(membership.recordedAt, timeZone),
    recorded_by: membership.recordedBy,
  };
}

export function clientView(client: EntityClientRecord, keys: readonly EntityClientKeyRecord[], timeZone: string): EntityClientView {
  return {
    client_id: client.clientId,
    entity_id: client.entityId,
    name: client.name,
    scopes: client.scopes,
    party_id: client.partyId,
    active: client.active,
    keys: keys.map(keyView),
    grant_types: client.grantTypes,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod as ClientAuthMethod,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    require_pushed_authorization_requests: client.requirePushedAuthorizationRequests,
    tls_client_auth_subject_dn: client.tlsClientAuthSubjectDn,
    dpop_bound_access_tokens: client.dpopBoundAccessTokens,
    tls_client_certificate_bound_access_tokens: client.tlsClientCertificateBoundAccessTokens,
    recorded_at: formatRecordedAt(client.recordedAt, timeZone),
    recorded_by: client.recordedBy,
  };
}

/** A registered key as shown: its kid and type, never the key material's private parts (there are none stored). */
export function keyView(key: EntityClientKeyRecord): ClientKeyView {
  return { kid: key.kid, kty: String(key.jwk.kty), ...(key.jwk.crv === undefined ? {} : { crv: String(key.jwk.crv) }), created_at: key.createdAt.toISOString() };
}
