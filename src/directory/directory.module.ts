import { Module } from '@nestjs/common';
import { DirectoryReader } from './directory-reader.js';
import { DirectoryStore } from './directory-store.js';
import { ClientLookup, EntityLookup, PartyLookup, PersonLookup } from './lookups.js';
import { EntityClientKeyRecord } from './records/entity-client-key-record.js';
import { EntityClientRecord } from './records/entity-client-record.js';
import { EntityClientSecretRecord } from './records/entity-client-secret-record.js';
import { EntityRecord } from './records/entity-record.js';
import { PartyMembershipRecord } from './records/party-membership-record.js';
import { PartyRecord } from './records/party-record.js';

/** The tables this module owns. */
export const DIRECTORY_TABLES = [EntityRecord, PartyRecord, PartyMembershipRecord, EntityClientRecord, EntityClientKeyRecord, EntityClientSecretRecord];

/** Entities, parties, memberships, clients and keys: the reader (cached, behind the lookup interfaces) and the store (changes). */
@Module({
  providers: [
    DirectoryReader,
    DirectoryStore,
    { provide: ClientLookup, useExisting: DirectoryReader },
    { provide: PartyLookup, useExisting: DirectoryReader },
    { provide: EntityLookup, useExisting: DirectoryReader },
    { provide: PersonLookup, useExisting: DirectoryReader },
  ],
  exports: [DirectoryStore, ClientLookup, PartyLookup, EntityLookup, PersonLookup],
})
export class DirectoryModule {}
