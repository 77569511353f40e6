import { Inject, Injectable } from '@nestjs/common';
import { errors, jwtVerify } from 'jose';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SigningKeys } from './signing-keys.service.js';

/** Who the id_token is about, and the login it reports. */
export interface IdTokenSubject {
  /** The client it is for (`aud`). */
  readonly clientId: string;
  /** The person's entity UUID (`sub`). */
  readonly eid: string;
  readonly authTime: Date;
  readonly amr: readonly string[];
  /** The login session at the issuer (`sid`), which end_session ends. */
  readonly loginSessionId: string | null;
  readonly nonce: string | null;
  /** With the profile scope. */
  readonly name?: string;
}

/** Signs OpenID Connect id_tokens (Core §2) with the ring's current key, as access tokens are. */
@Injectable()
export class IdTokenIssuer {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly signingKeys: SigningKeys,
  ) {}

  issue(subject: IdTokenSubject): string {
    const now = Math.floor(Date.now() / 1000);
    return this.signingKeys.ring.signJwt({ typ: 'JWT' }, {
      iss: this.config.publicUrl,
      sub: subject.eid,
      aud: subject.clientId,
      exp: now + this.config.codeFlow.accessTokenTtlSeconds,
      iat: now,
      auth_time: Math.floor(subject.authTime.getTime() / 1000),
      amr: [...subject.amr],
      ...(subject.nonce === null ? {} : { nonce: subject.nonce }),
      ...(subject.loginSessionId === null ? {} : { sid: subject.loginSessionId }),
      ...(subject.name === undefined ? {} : { name: subject.name }),
    });
  }

  /**
   * An id_token_hint (RP-initiated logout 1.0 §2): one of our id_tokens,
   * signature and issuer checked, expired or not (the spec wants those
   * accepted); null for anything else, an access token included.
   */
  async verifyHint(token: string): Promise<{ clientId: string; eid: string; loginSessionId: string | undefined } | null> {
    if (token.length > 8192) return null;
    try {
      const { payload, protectedHeader } = await jwtVerify(token, (header) => {
        const key = header.kid === undefined ? undefined : this.signingKeys.ring.verificationKey(header.kid);
        if (key === undefined) throw new errors.JWKSNoMatchingKey();
        return key;
      }, { issuer: this.config.publicUrl, clockTolerance: HINT_MAX_AGE_SECONDS });
      if (protectedHeader.typ !== 'JWT' || typeof payload.aud !== 'string' || typeof payload.sub !== 'string' || typeof payload.auth_time !== 'number') return null;
      return { clientId: payload.aud, eid: payload.sub, loginSessionId: typeof payload.sid === 'string' ? payload.sid : undefined };
    } catch {
      return null;
    }
  }
}

/** An expired hint is still a hint, for as long as a login session may last. */
const HINT_MAX_AGE_SECONDS = 31 * 86_400;
