import { Injectable } from '@nestjs/common';
import { Grants } from '../authorization/grants.service.js';
import { RevocationList } from '../tokens/revocation-list.service.js';
import { TokenReader } from '../tokens/token-reader.service.js';
import { OAuthError } from '../common/protocol-errors.js';
import { ClientAuthenticator } from './client-authentication/client-authenticator.service.js';
import { presentedClientAuth } from './client-authentication/presented-client-auth.js';
import { readForm, tokenParameter } from './form-body.js';
import type { PresentedCertificate } from '../tokens/sender-constraint/presented-certificate.js';

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
    private readonly authenticator: ClientAuthenticator,
    private readonly grants: Grants,
  ) {}

  /**
   * A client may authenticate (by its registered method): then only tokens
   * issued to it are its to revoke (RFC 7009 §2.1).
   */
  async revoke(request: { contentType: string | undefined; body: unknown; authorization: string | undefined; address: string; certificate?: PresentedCertificate }): Promise<void> {
    const form = readForm(request.contentType, request.body);
    const presented = presentedClientAuth(request.authorization, form, request.certificate);
    const client = presented === undefined ? undefined : await this.authenticator.authenticate(presented, request.address);
    const token = tokenParameter(form);
    const read = await this.tokens.read(token);
    if (read === null) return this.revokeRefreshToken(token, client?.credentials.client.clientId);
    if (client !== undefined && read.principal.clientId !== client.credentials.client.clientId) {
      throw new OAuthError('unauthorized_client', 'This token was not issued to this client');
    }
    const { jti, exp } = read.kind === 'access_token' ? read.claims : read.payload;
    // A registered client's access token counts against that client's budget; exchanged and registrant tokens against their entity's.
    const { clientId, entityId } = read.principal;
    await this.revocations.revoke(jti, new Date(exp * 1000), clientId === undefined ? { kind: 'entity', entityId } : { kind: 'client', clientId });
  }

  /** A refresh token ends its whole grant: every refresh and access token of that login (RFC 7009 §2.1 lets it). */
  private async revokeRefreshToken(token: string, clientId: string | undefined): Promise<void> {
    const grant = await this.grants.findAnyByRefreshToken(token);
    if (grant === null) return;
    if (clientId !== undefined && grant.clientId !== clientId) throw new OAuthError('unauthorized_client', 'This token was not issued to this client');
    await this.grants.end(grant.id, grant.entityId);
  }
}
