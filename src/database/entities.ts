import { AuditEventRecord } from '../audit/audit-event-record.js';
import { EntityClientKeyRecord } from '../directory/entities/entity-client-key-record.js';
import { EntityClientRecord } from '../directory/entities/entity-client-record.js';
import { EntityRecord } from '../directory/entities/entity-record.js';
import { PartyMembershipRecord } from '../directory/entities/party-membership-record.js';
import { PartyRecord } from '../directory/entities/party-record.js';
import { UsedAssertionRecord } from '../oauth/used-assertion-record.js';
import { LoginKnownAddressRecord } from '../registrant/login-known-address-record.js';
import { LoginThrottleRecord } from '../registrant/login-throttle-record.js';
import { RegistrantCredentialRecord } from '../registrant/registrant-credential-record.js';
import { RevokedSubjectRecord } from '../tokens/revoked-subject-record.js';
import { RevokedTokenRecord } from '../tokens/revoked-token-record.js';
import { SigningKeyRecord } from '../tokens/signing-key-record.js';

/** Every mapped table, listed once for the data source and the migration check. */
export const ENTITY_CLASSES = [
  EntityRecord,
  PartyRecord,
  PartyMembershipRecord,
  EntityClientRecord,
  EntityClientKeyRecord,
  UsedAssertionRecord,
  SigningKeyRecord,
  RegistrantCredentialRecord,
  LoginThrottleRecord,
  LoginKnownAddressRecord,
  AuditEventRecord,
  RevokedTokenRecord,
  RevokedSubjectRecord,
];
