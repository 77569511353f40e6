import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { BearerTokenError } from '../../common/protocol-errors.js';
import type { TokenConfirmation } from '../../contract/wire.js';
import { DpopProofs, DpopRefusal } from './dpop-proofs.service.js';
import { presentedCertificate } from './presented-certificate.js';

/** A resource request's credential: `Authorization: Bearer <token>` (RFC 6750) or `DPoP <token>` (RFC 9449 §7.1). */
export interface PresentedAccessToken {
  readonly scheme: 'Bearer' | 'DPoP';
  readonly token: string;
}

/**
 * Whether a resource request's sender holds what its token is bound to
 * (`cnf`): a DPoP-bound token only under the DPoP scheme, with a valid proof
 * of the same key over this request and this token; a certificate-bound one
 * only with the same certificate (over TLS, or from a trusted proxy). A
 * token bound to nothing is a bearer token and must come as one.
 */
@Injectable()
export class SenderBinding {
  constructor(private readonly dpop: DpopProofs) {}

  /** The DPoP challenge's algorithms, for refusals of DPoP requests. */
  get dpopAlgs(): readonly string[] {
    return this.dpop.algorithms;
  }

  /** Throws BearerTokenError (401 invalid_token, invalid_dpop_proof or use_dpop_nonce) unless the sender holds the binding. */
  async check(request: FastifyRequest, presented: PresentedAccessToken, cnf: TokenConfirmation | undefined): Promise<void> {
    const algs = this.dpop.algorithms;
    if (presented.scheme === 'DPoP') {
      if (cnf?.jkt === undefined) throw BearerTokenError.invalid('This token is not DPoP-bound: send it with the Bearer scheme', algs);
      const proof = this.proofOf(request);
      if (proof === undefined) throw BearerTokenError.dpop('invalid_dpop_proof', 'A DPoP-bound token needs a DPoP proof header', algs);
      let jkt: string;
      try {
        jkt = (await this.dpop.verify(request, proof, presented.token)).jkt;
      } catch (error) {
        if (error instanceof DpopRefusal) throw BearerTokenError.dpop(error.code, error.description, algs, error.nonce);
        throw error;
      }
      if (jkt !== cnf.jkt) throw BearerTokenError.dpop('invalid_dpop_proof', 'The DPoP proof is not signed by the key the token is bound to', algs);
    } else if (cnf?.jkt !== undefined) {
      // RFC 9449 §7.2: sent as a bearer token, a stolen DPoP-bound token would work without the key.
      throw BearerTokenError.invalid('This token is DPoP-bound: send it with the DPoP scheme and a DPoP proof', algs);
    }
    const thumbprint = cnf?.['x5t#S256'];
    if (thumbprint !== undefined && presentedCertificate(request)?.thumbprint !== thumbprint) {
      throw BearerTokenError.invalid('This token is bound to a TLS client certificate that this request does not present', presented.scheme === 'DPoP' ? algs : undefined);
    }
  }

  /** The DPoP-Nonce a successful DPoP request gets back, so the next proof has a fresh one; undefined when nonces are off. */
  currentNonce(): string | undefined {
    return this.dpop.currentNonce();
  }

  private proofOf(request: FastifyRequest): string | undefined {
    try {
      return this.dpop.proofOf(request);
    } catch (error) {
      if (error instanceof DpopRefusal) throw BearerTokenError.dpop(error.code, error.description, this.dpop.algorithms);
      throw error;
    }
  }
}
