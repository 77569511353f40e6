import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { IntrospectionResponse } from '../contract/wire.js';
import { TokenReader } from '../tokens/token-reader.service.js';
import { readForm, tokenParameter } from './form-body.js';

/** RFC 7662 §2.2: `{"active": false}` for anything not valid now, otherwise what the token says, with its binding (`cnf`, RFC 8705 §3.2, RFC 9449 §6.2). */
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
        token_type: claims.cnf?.jkt === undefined ? 'Bearer' : 'DPoP',
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
        ...(claims.cnf === undefined ? {} : { cnf: claims.cnf }),
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
