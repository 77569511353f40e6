import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../../common/protocol-errors.js';
import type { TokenConfirmation } from '../../contract/wire.js';
import type { EntityClientRecord } from '../../directory/records/entity-client-record.js';
import { DpopProofs, DpopRefusal } from '../../tokens/sender-constraint/dpop-proofs.service.js';
import { type PresentedCertificate, presentedCertificate } from '../../tokens/sender-constraint/presented-certificate.js';

/** The client metadata that decides a token's binding. */
export type BindingFlags = Pick<EntityClientRecord, 'dpopBoundAccessTokens' | 'tlsClientCertificateBoundAccessTokens'>;

/**
 * What a token request proves of its sender, and so what the tokens it gets
 * are bound to (`cnf`): the key of its verified DPoP proof, and its TLS
 * client certificate for clients registered with
 * tls_client_certificate_bound_access_tokens.
 */
export class SenderConfirmation {
  constructor(
    /** RFC 7638 thumbprint of the DPoP proof's key; undefined without a proof. */
    readonly jkt: string | undefined,
    /** The TLS client certificate of the request, if it presented one. */
    readonly certificate: PresentedCertificate | undefined,
  ) {}

  /**
   * The `cnf` of a token issued to `client` (undefined: to no client, as in
   * token exchange): the DPoP key whenever a proof came, and the certificate
   * when the client binds its tokens to it; undefined is a bearer token.
   * A client whose tokens must be bound, asking without the means, is
   * invalid_request (RFC 9449 §5.2 for DPoP).
   */
  for(client: BindingFlags | undefined): TokenConfirmation | undefined {
    if (client?.dpopBoundAccessTokens && this.jkt === undefined) throw new OAuthError('invalid_request', 'This client must send a DPoP proof: its tokens are DPoP-bound');
    const certificateBound = client?.tlsClientCertificateBoundAccessTokens === true;
    if (certificateBound && this.certificate === undefined) {
      throw new OAuthError('invalid_request', 'This client must connect with its TLS client certificate: its tokens are bound to it');
    }
    if (this.jkt === undefined && !certificateBound) return undefined;
    return { ...(this.jkt === undefined ? {} : { jkt: this.jkt }), ...(certificateBound ? { 'x5t#S256': this.certificate!.thumbprint } : {}) };
  }
}

/** Reads a token request's DPoP proof (verified, its jti claimed) and certificate, before anything else of it. */
@Injectable()
export class SenderConfirmations {
  constructor(private readonly dpop: DpopProofs) {}

  /** RFC 9449 §5: a bad proof is 400 invalid_dpop_proof, one without a fresh nonce 400 use_dpop_nonce with DPoP-Nonce. */
  async of(request: FastifyRequest): Promise<SenderConfirmation> {
    let jkt: string | undefined;
    try {
      const proof = this.dpop.proofOf(request);
      if (proof !== undefined) jkt = (await this.dpop.verify(request, proof)).jkt;
    } catch (error) {
      if (error instanceof DpopRefusal) throw new OAuthError(error.code, error.description, 400, error.nonce === undefined ? {} : { dpopNonce: error.nonce });
      throw error;
    }
    return new SenderConfirmation(jkt, presentedCertificate(request));
  }
}
