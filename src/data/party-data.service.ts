import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ProblemError } from '../common/protocol-errors.js';
import type { PartyView } from '../contract/wire.js';
import { PartyLookup } from '../directory/lookups.js';
import { partyView } from '../directory/views.js';
import type { Principal } from '../tokens/principal.js';

@Injectable()
export class PartyDataService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly parties: PartyLookup,
  ) {}

  /** A party the caller owns or is a member of, any party for the operator; otherwise 404, never 403, so ids do not leak. */
  async read(principal: Principal, idText: string): Promise<PartyView> {
    const id = /^[1-9][0-9]{0,9}$/.test(idText) ? Number(idText) : NaN;
    const party = id <= 2_147_483_647 ? await this.parties.findParty(id) : null;
    const operator = principal.partyId !== undefined && principal.partyId === (await this.parties.operatorPartyId());
    const visible = party !== null && (operator || (await this.parties.isOwnerOrMember(principal.entityId, party.id)));
    if (!visible) throw ProblemError.notFound('No such party');
    return partyView(party!, this.config.timeZone);
  }
}
