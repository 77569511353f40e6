import { Injectable } from '@nestjs/common';
import { ScopeSet } from '../model/scope.js';
import { ClientLookup, EntityLookup, PartyLookup } from '../directory/lookups.js';
import type { Principal } from './principal.js';

/**
 * What a verified token may still do, from the directory's live state (its
 * caches follow every change within a second on every replica): the token's
 * scope narrowed to what its client and its entity hold for its party now.
 * A token whose client, entity or party is no longer active, or whose
 * entity may no longer act for the party, stands for nothing. Claims say
 * what was true at issue; this says what is true now.
 */
@Injectable()
export class PrincipalStanding {
  constructor(
    private readonly clients: ClientLookup,
    private readonly entities: EntityLookup,
    private readonly parties: PartyLookup,
  ) {}

  /** The principal with its live scope, or null when it no longer stands. */
  async check(principal: Principal): Promise<Principal | null> {
    if (principal.kind === 'registrant') {
      const person = await this.entities.findEntity(principal.entityId);
      return person !== null && person.eid === principal.subject && person.status === 'active' ? principal : null;
    }
    let held: ScopeSet | undefined;
    let ownToken = false;
    if (principal.clientId !== undefined) {
      const credentials = await this.clients.findClientCredentials(principal.clientId);
      if (credentials === null || !credentials.client.active || credentials.entity.status !== 'active') return null;
      ownToken = credentials.client.entityId === principal.entityId;
      if (ownToken && credentials.client.partyId !== null && credentials.client.partyId !== principal.partyId) return null;
      held = ScopeSet.fromArray(credentials.client.scopes);
    }
    if (!ownToken) {
      // A person's token (exchanged from her registrant token, or issued to a client she logged in to): she must still be active.
      const person = await this.entities.findEntity(principal.entityId);
      if (person === null || person.type !== 'person' || person.eid !== principal.subject || person.status !== 'active') return null;
    }
    if (principal.partyId !== undefined) {
      const acting = (await this.parties.actingParties(principal.entityId)).find(({ party }) => party.id === principal.partyId);
      if (acting === undefined) return null;
      held = held === undefined ? acting.scopes : held.intersect(acting.scopes);
    }
    return held === undefined ? principal : principal.narrowedTo(held);
  }
}
