import { Injectable } from '@nestjs/common';
import { OAuthError } from '../common/protocol-errors.js';
import { type ActingParty, PartyLookup } from '../directory/lookups.js';
import type { EntityClientRecord } from '../directory/records/entity-client-record.js';
import { PartyIdentifier } from '../model/party-identifier.js';

/** Decides which party a login acts for, from the client and the assertion's `sub`. */
@Injectable()
export class PartyResolver {
  constructor(
    private readonly parties: PartyLookup,
  ) {}

  /** The party to act for, or undefined for an entity-level token. */
  async resolve(client: EntityClientRecord, subject: string | undefined): Promise<ActingParty | undefined> {
    const identifier = subject === undefined ? undefined : PartyIdentifier.parse(subject);
    if (subject !== undefined && identifier === null) {
      throw new OAuthError('invalid_grant', 'The assertion sub must be no:party:<gln|org|eic_x|uuid>:<business id>[:<party type>]');
    }
    if (client.partyId === null && identifier === undefined) return undefined;

    const acting = await this.parties.actingParties(client.entityId);
    if (client.partyId !== null) {
      const fixed = acting.find((candidate) => candidate.party.id === client.partyId);
      if (fixed === undefined) throw new OAuthError('invalid_grant', "The client's party is inactive or its entity may no longer act for it");
      if (identifier !== undefined && !identifier!.matches(fixed.party)) {
        throw new OAuthError('invalid_grant', 'This client may act only for its own fixed party');
      }
      return fixed;
    }

    const matching = acting.filter((candidate) => identifier!.matches(candidate.party));
    if (matching.length === 0) throw new OAuthError('invalid_grant', 'The entity may not act for the party named in sub');
    if (matching.length > 1) {
      const types = matching.map((candidate) => candidate.party.type).sort().join(', ');
      throw new OAuthError('invalid_grant', `The party in sub is ambiguous; add its type as a suffix (one of: ${types})`);
    }
    return matching[0];
  }
}
