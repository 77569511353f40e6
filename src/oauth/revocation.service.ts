import { Injectable } from '@nestjs/common';
import { RevocationList } from '../tokens/revocation-list.service.js';
import { TokenReader } from '../tokens/token-reader.service.js';
import { readForm, tokenParameter } from './form-body.js';

/**
 * RFC 7009 revocation. Holding a token is the authority to revoke it (as a
 * logout is): its holder could use it anyway, and no one else has it. Invalid
 * and unknown tokens are answered like valid ones (§2.2), so the endpoint
 * reveals nothing.
 */
@Injectable()
export class RevocationService {
  constructor(
    private readonly tokens: TokenReader,
    private readonly revocations: RevocationList,
  ) {}

  async revoke(contentType: string | undefined, body: unknown): Promise<void> {
    const read = await this.tokens.read(tokenParameter(readForm(contentType, body)));
    if (read === null) return;
    const { jti, exp } = read.kind === 'access_token' ? read.claims : read.payload;
    // A registered client's access token counts against that client's budget; exchanged and registrant tokens against their entity's.
    const { clientId, entityId } = read.principal;
    await this.revocations.revoke(jti, new Date(exp * 1000), clientId === undefined ? { kind: 'entity', entityId } : { kind: 'client', clientId });
  }
}
