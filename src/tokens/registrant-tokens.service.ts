import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AesTokenCodec, type RegistrantTokenPayload } from '../crypto/aes-token-codec.js';
import { RevocationList } from './revocation-list.service.js';

/** Issues and reads the self-contained registrant tokens (no session storage). */
@Injectable()
export class RegistrantTokens {
  private readonly codec: AesTokenCodec;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly revocations: RevocationList,
  ) {
    if (config.tokenSecret === undefined) throw new Error('TOKEN_SECRET is not configured');
    this.codec = new AesTokenCodec(config.tokenSecret, config.tokenSecretsPrevious);
  }

  issue(entity: { eid: string; id: number; name: string }): { token: string; expiresAt: Date } {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.config.registrantTokenTtlSeconds;
    const token = this.codec.encode({ typ: 'registrant', eid: entity.eid, entity_id: entity.id, name: entity.name, iat: now, exp, jti: randomUUID() });
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** The payload of a valid, unexpired, unrevoked token; null otherwise. */
  async verify(token: string): Promise<RegistrantTokenPayload | null> {
    const payload = this.codec.decode(token);
    if (payload === null) return null;
    return (await this.revocations.isRevoked({ jti: payload.jti, entityId: payload.entity_id, issuedAt: payload.iat })) ? null : payload;
  }
}
