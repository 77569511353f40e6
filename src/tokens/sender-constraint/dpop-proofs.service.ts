import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { DpopNonces } from '../../crypto/dpop-nonce.js';
import { DPOP_ALGORITHMS, DpopProofError, verifyDpopProof, type VerifiedDpopProof } from '../../crypto/dpop-proof.js';
import { ProofJtiStore } from './proof-jti-store.js';

/** A proof refused; the token endpoint and the resources each answer it in their own shape. */
export class DpopRefusal extends Error {
  override name = 'DpopRefusal';

  constructor(
    readonly code: 'invalid_dpop_proof' | 'use_dpop_nonce',
    readonly description: string,
    /** The nonce to retry with (use_dpop_nonce). */
    readonly nonce?: string,
  ) {
    super(description);
  }
}

/**
 * DPoP proofs as requests carry them (RFC 9449 §4.3), at the token endpoint
 * and at every resource: the proof's own checks (crypto/dpop-proof.ts)
 * against this request's method and URL (PUBLIC_URL, or MTLS_PUBLIC_URL,
 * and its path), then the server nonce when DPOP_NONCE is on, then its jti,
 * single use across replicas, last (a refused proof consumes nothing).
 */
@Injectable()
export class DpopProofs {
  /** What a DPoP challenge names (WWW-Authenticate algs). */
  readonly algorithms: readonly string[] = DPOP_ALGORITHMS;
  private readonly baseUrls: readonly string[];
  private readonly nonces: DpopNonces | undefined;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly jtis: ProofJtiStore,
  ) {
    this.baseUrls = [config.publicUrl, ...(config.tls.mtlsPublicUrl === undefined ? [] : [config.tls.mtlsPublicUrl])];
    // main.ts makes sure TOKEN_SECRET is set: every replica derives the same nonce key from it.
    this.nonces = config.tls.dpopNonce ? new DpopNonces(config.tokenSecret!) : undefined;
  }

  /** The request's DPoP header: undefined when it has none; more than one is refused (§4.3 item 1). */
  proofOf(request: FastifyRequest): string | undefined {
    const headers = request.raw.rawHeaders;
    let proof: string | undefined;
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i].toLowerCase() !== 'dpop') continue;
      if (proof !== undefined) throw new DpopRefusal('invalid_dpop_proof', 'Send exactly one DPoP header');
      proof = headers[i + 1];
    }
    return proof;
  }

  /** Verifies `proof` for this request (and `accessToken`, at a resource); throws DpopRefusal. */
  async verify(request: FastifyRequest, proof: string, accessToken?: string): Promise<VerifiedDpopProof> {
    const path = request.url.split('?')[0];
    let verified: VerifiedDpopProof;
    try {
      verified = verifyDpopProof(proof, { method: request.method, urls: this.baseUrls.map((base) => `${base}${path}`), accessToken });
    } catch (error) {
      if (error instanceof DpopProofError) throw new DpopRefusal('invalid_dpop_proof', error.message);
      throw error;
    }
    if (this.nonces !== undefined && (verified.nonce === undefined || !this.nonces.accepts(verified.nonce))) {
      throw new DpopRefusal('use_dpop_nonce', 'The DPoP proof must carry the nonce of the DPoP-Nonce header', this.nonces.current());
    }
    if (!(await this.jtis.claimProof(verified.jkt, verified.jti, new Date(verified.acceptedUntil * 1000)))) {
      throw new DpopRefusal('invalid_dpop_proof', 'The DPoP proof jti has been used already');
    }
    return verified;
  }

  /** The DPoP-Nonce to hand out now; undefined when nonces are off. */
  currentNonce(): string | undefined {
    return this.nonces?.current();
  }
}
