import { Body, Controller, Header, Headers, HttpCode, Inject, Injectable, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AccessTokenGuard, RequireScope, TokenClaimsSuffice } from '../tokens/access-token.guard.js';
import { TokenReader } from '../tokens/token-reader.service.js';
import { readForm, tokenParameter } from './form-body.js';

export const INTROSPECTION_SCOPE = 'use:auth:introspect';

/** RFC 7662 §2.2: `{"active": false}` for anything not valid now, otherwise the token's claims. */
export type IntrospectionResponse = { readonly active: false } | ({ readonly active: true } & Record<string, unknown>);

@Injectable()
export class IntrospectionService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: TokenReader,
  ) {}

  /** Both kinds of token; which one is told by its shape, so token_type_hint is not needed. */
  async introspect(contentType: string | undefined, body: unknown): Promise<IntrospectionResponse> {
    const read = await this.tokens.read(tokenParameter(readForm(contentType, body)));
    if (read === null) return { active: false };
    if (read.kind === 'access_token') {
      const { claims } = read;
      return {
        active: true,
        token_type: 'Bearer',
        scope: claims.scope,
        client_id: claims.client_id,
        sub: claims.sub,
        aud: claims.aud,
        iss: claims.iss,
        iat: claims.iat,
        exp: claims.exp,
        jti: claims.jti,
        eid: claims.eid,
        entity_id: claims.entity_id,
        ...(claims.party_id === undefined ? {} : { party_id: claims.party_id }),
        role: claims.role,
      };
    }
    const { payload } = read;
    return {
      active: true,
      token_type: 'Bearer',
      scope: '',
      sub: payload.eid,
      iss: this.config.publicUrl,
      iat: payload.iat,
      exp: payload.exp,
      jti: payload.jti,
      eid: payload.eid,
      entity_id: payload.entity_id,
      role: read.principal.role,
    };
  }
}

@Controller('auth')
@ApiTags('oauth')
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionService) {}

  /** RFC 7662 token introspection; the caller's own access token must cover use:auth:introspect. */
  @Post('introspect')
  @HttpCode(200)
  @UseGuards(AccessTokenGuard)
  @TokenClaimsSuffice()
  @RequireScope(INTROSPECTION_SCOPE)
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth()
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' }, token_type_hint: { type: 'string', description: 'Not needed: the kind is told by the token itself' } } } })
  @ApiOkResponse({ description: '{"active":false}, or active with token_type, scope, client_id, sub, exp, iat, iss, jti, entity_id, party_id, role' })
  introspect(@Headers('content-type') contentType: string | undefined, @Body() body: unknown): Promise<IntrospectionResponse> {
    return this.introspection.introspect(contentType, body);
  }
}
