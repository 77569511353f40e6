import { X509Certificate } from 'node:crypto';
import { addressMatcher } from '../../src/common/address-list.js';
import { certificateThumbprint, parseClientCertHeader } from '../../src/crypto/client-certificate.js';
import { DPOP_ALGORITHMS, DpopProofError, verifyDpopProof } from '../../src/crypto/dpop-proof.js';
import type { TokenConfirmation } from '../../src/contract/wire.js';

/** A request as node, Express and Fastify (its `raw`) give it: what the binding is checked against. */
export interface ResourceRequest {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly method?: string;
  readonly url?: string;
  readonly socket?: unknown;
  readonly raw?: { readonly socket?: unknown; readonly url?: string; readonly method?: string };
}

/** How a downstream service checks sender-constrained tokens (RFC 8705 §3, RFC 9449 §7). */
export interface SenderBindingOptions {
  /** This service's external base URL, which DPoP proofs name (htu); default: the request's scheme and Host. */
  readonly baseUrl?: string;
  /** Proxies (addresses, CIDR ranges) whose Client-Cert header (RFC 9440) is believed; by default only the TLS connection's certificate counts. */
  readonly trustedProxies?: readonly string[];
  /** Single use of DPoP proofs: by default remembered in this process (bounded); give a shared store for several replicas. */
  readonly claimProofJti?: (jkt: string, jti: string, acceptedUntil: Date) => Promise<boolean> | boolean;
}

/** A refusal of the binding: the RFC 6750 / RFC 9449 error to answer with. */
export class BindingRefusal extends Error {
  constructor(readonly error: 'invalid_token' | 'invalid_dpop_proof' | 'invalid_request', message: string) {
    super(message);
  }
}

export const DPOP_ALGS: readonly string[] = DPOP_ALGORITHMS;
const PROOFS_KEPT = 100_000;

/** `Authorization: Bearer <token>` or `DPoP <token>`; null when it is neither. */
export function credentialOf(header: string | string[] | undefined): { scheme: 'Bearer' | 'DPoP'; token: string } | null {
  const match = typeof header === 'string' ? /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header) : null;
  return match === null ? null : { scheme: match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: match[2] };
}

/** Checks that a request's sender holds what its token is bound to: the same certificate, a proof by the same DPoP key. */
export class SenderBinding {
  private readonly trusted: (address: string | undefined) => boolean;
  private readonly usedProofs = new Map<string, number>();

  constructor(private readonly options: SenderBindingOptions = {}) {
    this.trusted = addressMatcher(options.trustedProxies ?? []);
  }

  /** Throws BindingRefusal unless the request holds the binding; a token without `cnf` must come as a bearer token. */
  async check(request: ResourceRequest, scheme: 'Bearer' | 'DPoP', token: string, cnf: TokenConfirmation | undefined): Promise<void> {
    if (scheme === 'DPoP') {
      if (cnf?.jkt === undefined) throw new BindingRefusal('invalid_token', 'This token is not DPoP-bound: send it with the Bearer scheme');
      await this.checkProof(request, token, cnf.jkt);
    } else if (cnf?.jkt !== undefined) {
      throw new BindingRefusal('invalid_token', 'This token is DPoP-bound: send it with the DPoP scheme and a DPoP proof');
    }
    const thumbprint = cnf?.['x5t#S256'];
    if (thumbprint !== undefined && this.certificateThumbprint(request) !== thumbprint) {
      throw new BindingRefusal('invalid_token', 'This token is bound to a TLS client certificate that this request does not present');
    }
  }

  private async checkProof(request: ResourceRequest, token: string, jkt: string): Promise<void> {
    const proof = request.headers.dpop;
    // Node joins repeated headers with commas, which no proof contains.
    if (typeof proof !== 'string' || proof.includes(',')) throw new BindingRefusal('invalid_dpop_proof', 'Send exactly one DPoP proof header');
    const method = request.method ?? request.raw?.method ?? 'GET';
    const path = (request.raw?.url ?? request.url ?? '/').split('?')[0];
    let verified;
    try {
      verified = verifyDpopProof(proof, { method, urls: [`${this.baseUrlOf(request)}${path}`], accessToken: token });
    } catch (error) {
      if (error instanceof DpopProofError) throw new BindingRefusal('invalid_dpop_proof', error.message);
      throw error;
    }
    if (verified.jkt !== jkt) throw new BindingRefusal('invalid_dpop_proof', 'The DPoP proof is not signed by the key the token is bound to');
    const until = new Date(verified.acceptedUntil * 1000);
    const fresh = this.options.claimProofJti === undefined ? this.claimHere(jkt, verified.jti, until) : await this.options.claimProofJti(jkt, verified.jti, until);
    if (!fresh) throw new BindingRefusal('invalid_dpop_proof', 'The DPoP proof jti has been used already');
  }

  private claimHere(jkt: string, jti: string, until: Date): boolean {
    const now = Date.now();
    const key = `${jkt} ${jti}`;
    if ((this.usedProofs.get(key) ?? 0) > now) return false;
    this.usedProofs.set(key, until.getTime());
    // Bounded: expired entries go first, then the oldest.
    for (const [used, expiry] of this.usedProofs) {
      if (this.usedProofs.size <= PROOFS_KEPT && expiry > now) break;
      this.usedProofs.delete(used);
    }
    return true;
  }

  private baseUrlOf(request: ResourceRequest): string {
    if (this.options.baseUrl !== undefined) return this.options.baseUrl.replace(/\/+$/, '');
    const tls = typeof (socketOf(request) as { getPeerCertificate?: unknown } | undefined)?.getPeerCertificate === 'function';
    return `${tls ? 'https' : 'http'}://${String(request.headers.host ?? 'localhost')}`;
  }

  /** From a trusted proxy its Client-Cert header, from anyone else the TLS connection's certificate. */
  private certificateThumbprint(request: ResourceRequest): string | undefined {
    const socket = socketOf(request) as { remoteAddress?: string; getPeerCertificate?: () => { raw?: Buffer } } | undefined;
    if (this.trusted(socket?.remoteAddress)) {
      const header = request.headers['client-cert'];
      const certificate = typeof header === 'string' ? parseClientCertHeader(header) : null;
      return certificate === null ? undefined : certificateThumbprint(certificate);
    }
    const raw = socket?.getPeerCertificate?.()?.raw;
    return raw === undefined ? undefined : certificateThumbprint(new X509Certificate(raw));
  }
}

function socketOf(request: ResourceRequest): unknown {
  return request.raw?.socket ?? request.socket;
}
