import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AccessTokenGuard, CurrentPrincipal } from '../tokens/access-token.guard.js';
import type { Principal } from '../tokens/principal.js';
import type { ActingPartiesResponse } from '../contract/wire.js';
import { ActingPartiesService } from './acting-parties.service.js';

const ITEM_EXAMPLE = {
  party_id: 1394,
  party_name: 'Testkraft ORG',
  type: 'organisation',
  role: 'flex_organisation',
  business_id: '123456789',
  business_id_type: 'org',
  entity_id: 492,
  entity_name: 'Testkraft AS',
  scope: 'manage:auth manage:data',
  owned: false,
};

@Controller('auth')
@ApiTags('oauth')
export class ActingPartiesController {
  constructor(private readonly parties: ActingPartiesService) {}

  /** The parties the bearer (a registrant or an access token) may assume with the token-exchange grant. */
  @Get('parties')
  @UseGuards(AccessTokenGuard)
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth()
  @ApiOkResponse({
    description: 'Active parties the caller\'s entity owns or is a member of; entity_* name the owning entity, scope what the caller holds there',
    schema: {
      type: 'object',
      required: ['parties'],
      properties: {
        parties: {
          type: 'array',
          items: {
            type: 'object',
            required: Object.keys(ITEM_EXAMPLE),
            properties: {
              party_id: { type: 'integer' },
              party_name: { type: 'string' },
              type: { type: 'string' },
              role: { type: 'string' },
              business_id: { type: 'string' },
              business_id_type: { type: 'string' },
              entity_id: { type: 'integer' },
              entity_name: { type: 'string' },
              scope: { type: 'string', description: 'Space-separated' },
              owned: { type: 'boolean' },
            },
          },
        },
      },
      example: { parties: [ITEM_EXAMPLE] },
    },
  })
  @ApiUnauthorizedResponse({ description: 'No valid bearer token (RFC 6750, with WWW-Authenticate)' })
  list(@CurrentPrincipal() principal: Principal): Promise<ActingPartiesResponse> {
    return this.parties.list(principal);
  }
}
