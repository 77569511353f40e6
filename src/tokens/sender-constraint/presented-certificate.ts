import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { addressMatcher } from '../../common/address-list.js';
import { certificateThumbprint, parseClientCertChainHeader, parseClientCertHeader } from '../../crypto/client-certificate.js';

/** The TLS client certificate a request comes with. */
export interface PresentedCertificate {
  readonly certificate: X509Certificate;
  /** The certificates sent with it to build its chain (the handshake's, or Client-Cert-Chain), without it. */
  readonly chain: readonly X509Certificate[];
  /** `x5t#S256` of the certificate (RFC 8705 §3.1). */
  readonly thumbprint: string;
}

const CLIENT_CERT = 'client-cert';
const MAX_SENT_CHAIN = 4;
const CLIENT_CERT_CHAIN = 'client-cert-chain';
/** Requests from a trusted proxy: their Client-Cert header speaks for the client. */
const fromTrustedProxy = new WeakSet<IncomingMessage>();
const bySocket = new WeakMap<TLSSocket, PresentedCertificate | null>();
const byRequest = new WeakMap<IncomingMessage, PresentedCertificate | null>();

/**
 * Decides, for every request, where its client certificate may come from:
 * a request whose peer (the socket's address, never X-Forwarded-For) is one
 * of TRUSTED_PROXIES is believed in its RFC 9440 Client-Cert header and
 * only in it (the proxy's own certificate is not the client's); anyone
 * else's Client-Cert headers are removed, so no later reader can mistake
 * them, and only its own TLS handshake counts.
 */
export function registerClientCertificates(fastify: FastifyInstance, trustedProxies: readonly string[]): void {
  const trusted = addressMatcher(trustedProxies);
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (trusted(request.raw.socket.remoteAddress)) fromTrustedProxy.add(request.raw);
    else {
      delete request.headers[CLIENT_CERT];
      delete request.headers[CLIENT_CERT_CHAIN];
    }
    done();
  });
}

/** The request's client certificate, if it presented one (read once per request, and once per TLS connection). */
export function presentedCertificate(request: FastifyRequest): PresentedCertificate | undefined {
  const raw = request.raw;
  if (fromTrustedProxy.has(raw)) {
    if (!byRequest.has(raw)) byRequest.set(raw, fromHeaders(raw));
    return byRequest.get(raw) ?? undefined;
  }
  const socket = raw.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  if (!bySocket.has(socket as TLSSocket)) bySocket.set(socket as TLSSocket, fromHandshake(socket as TLSSocket));
  return bySocket.get(socket as TLSSocket) ?? undefined;
}

/** The request's client certificate, as a controller parameter. */
export const ClientCertificate = createParamDecorator(
  (_data: unknown, context: ExecutionContext): PresentedCertificate | undefined => presentedCertificate(context.switchToHttp().getRequest<FastifyRequest>()),
);

/** A header that is not one certificate (RFC 9440 §2.2) counts as none: the client is then as one without. */
function fromHeaders(raw: IncomingMessage): PresentedCertificate | null {
  const header = raw.headers[CLIENT_CERT];
  const certificate = typeof header === 'string' ? parseClientCertHeader(header) : null;
  if (certificate === null) return null;
  const chainHeader = raw.headers[CLIENT_CERT_CHAIN];
  const chain = typeof chainHeader === 'string' ? (parseClientCertChainHeader(chainHeader) ?? []) : [];
  return { certificate, chain, thumbprint: certificateThumbprint(certificate) };
}

function fromHandshake(socket: TLSSocket): PresentedCertificate | null {
  // The detailed form, asked for first: it links the intermediates the client sent (the last one links to itself).
  const peer = socket.getPeerCertificate(true);
  if (peer?.raw === undefined) return null;
  const certificate = new X509Certificate(peer.raw);
  const chain: X509Certificate[] = [];
  for (let issuer = peer.issuerCertificate; issuer?.raw !== undefined && chain.length < MAX_SENT_CHAIN; issuer = issuer.issuerCertificate) {
    if (issuer.raw.equals(certificate.raw) || chain.some((known) => known.raw.equals(issuer!.raw))) break;
    chain.push(new X509Certificate(issuer.raw));
  }
  return { certificate, chain, thumbprint: certificateThumbprint(certificate) };
}
