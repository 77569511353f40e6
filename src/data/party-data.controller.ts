import { Controller, Get, Inject, Injectable, Param, UseGuards } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ProblemError } from '../common/protocol-errors.js';
import { DirectoryService } from '../directory/directory.service.js';
import { partyView, type PartyView } from '../directory/views.js';
import { AccessTokenGuard, CurrentPrincipal, RequireScope } from '../tokens/access-token.guard.js';
import type { Principal } from '../tokens/access-token.js';

@Injectable()
export class PartyDataService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: DirectoryService,
  ) {}

  /** A party the caller owns or is a member of, any party for the operator; otherwise 404, never 403, so ids do not leak. */
  async read(principal: Principal, idText: string): Promise<PartyView> {
    const id = /^[1-9][0-9]{0,9}$/.test(idText) ? Number(idText) : NaN;
    const party = id <= 2_147_483_647 ? await this.directory.findParty(id) : null;
    const operator = principal.partyId !== undefined && principal.partyId === (await this.directory.operatorPartyId());
    const visible = party !== null && (operator || (await this.directory.isOwnerOrMember(principal.entityId, party.id)));
    if (!visible) throw ProblemError.notFound('No such party');
    return partyView(party!, this.config.timeZone);
  }
}

@Controller('data')
export class PartyDataController {
  constructor(private readonly parties: PartyDataService) {}

  @Get('party/:id')
  @UseGuards(AccessTokenGuard)
  @RequireScope('read:data:party')
  read(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<PartyView> {
    return this.parties.read(principal, id);
  }
}
