import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import { isAddressOrRange } from './trust-proxy.js';

/** TLS and sender-constrained tokens: the listener's own TLS, client certificates, the proxies that forward them, DPoP nonces. */
export interface TlsConfig {
  /** TLS_CERT_FILE and TLS_KEY_FILE: PORT serves HTTPS with them; unset serves HTTP (TLS ends at a proxy, or nowhere). */
  readonly listener: { readonly cert: string; readonly key: string } | undefined;
  /** TLS_CLIENT_CA_FILE: the CAs a tls_client_auth certificate must chain to; also what the listener names when it asks for one. */
  readonly clientCas: readonly X509Certificate[];
  /** The same CAs as PEM, for the listener. */
  readonly clientCaPem: string | undefined;
  /** TRUSTED_PROXIES: addresses and CIDR ranges whose Client-Cert header (RFC 9440) is believed. */
  readonly trustedProxies: readonly string[];
  /** MTLS_PUBLIC_URL: another base URL where certificate-bearing clients connect (published as mtls_endpoint_aliases). */
  readonly mtlsPublicUrl: string | undefined;
  /** DPOP_NONCE: DPoP proofs must carry a server nonce (RFC 9449 §8, §9). */
  readonly dpopNonce: boolean;
}

/** TLS 1.3's suites, then TLS 1.2's forward-secret AEAD ones (Mozilla's "intermediate" list). */
const CIPHERS = [
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** Reads the TLS variables; every problem goes to `problems`, as the rest of the configuration's do. */
export function parseTlsConfig(value: (name: string) => string | undefined, publicUrl: string, problems: string[]): TlsConfig {
  const certFile = value('TLS_CERT_FILE');
  const keyFile = value('TLS_KEY_FILE');
  let listener: TlsConfig['listener'];
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  } else if (certFile !== undefined && keyFile !== undefined) {
    const cert = readPem('TLS_CERT_FILE', certFile, /-----BEGIN CERTIFICATE-----/, problems);
    // Never echo the key file's content: only whether it reads as a key.
    const key = readPem('TLS_KEY_FILE', keyFile, /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/, problems);
    if (cert !== undefined && key !== undefined) listener = { cert, key };
    if (!publicUrl.startsWith('https://')) problems.push('PUBLIC_URL must be an https:// URL when the service serves TLS itself (TLS_CERT_FILE)');
  }
  const caFile = value('TLS_CLIENT_CA_FILE');
  const clientCaPem = caFile === undefined ? undefined : readPem('TLS_CLIENT_CA_FILE', caFile, /-----BEGIN CERTIFICATE-----/, problems);
  const clientCas = clientCaPem === undefined ? [] : readCas(clientCaPem, caFile!, problems);

  const trustedProxies = (value('TRUSTED_PROXIES') ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of trustedProxies.filter((proxy) => !isAddressOrRange(proxy))) {
    problems.push(`TRUSTED_PROXIES must list the proxies' IP addresses or CIDR ranges (not /0), separated by commas (got "${entry}")`);
  }
  const mtlsPublicUrl = value('MTLS_PUBLIC_URL');
  if (mtlsPublicUrl !== undefined && !/^https:\/\/[^/?#@]+(\/[^?#]*)?$/.test(mtlsPublicUrl)) {
    problems.push(`MTLS_PUBLIC_URL must be an https:// URL without query, fragment or credentials (got "${mtlsPublicUrl}")`);
  }
  const dpopNonce = value('DPOP_NONCE') ?? 'false';
  if (dpopNonce !== 'true' && dpopNonce !== 'false') problems.push(`DPOP_NONCE must be true or false (got "${dpopNonce}")`);
  return { listener, clientCas, clientCaPem, trustedProxies, mtlsPublicUrl: mtlsPublicUrl?.replace(/\/+$/, ''), dpopNonce: dpopNonce === 'true' };
}

/** Whether clients can present certificates at all: to the listener (it asks when it has client CAs), or through a trusted proxy. */
export function acceptsClientCertificates(tls: TlsConfig): boolean {
  return (tls.listener !== undefined && tls.clientCaPem !== undefined) || tls.trustedProxies.length > 0;
}

/**
 * Fastify's `https` options: TLS 1.2 and up with forward-secret AEAD
 * suites; with client CAs, a certificate is asked for but not required (the
 * handshake lets any through; client authentication and token binding
 * decide what one is worth), so one listener serves clients with and without.
 */
export function httpsOptions(tls: TlsConfig, eidCaPems: readonly string[] = []): { https: ServerOptions } | Record<string, never> {
  if (tls.listener === undefined) return {};
  // eID CAs are named in the certificate request too: a browser offers only certificates of the CAs named (an ID card's, at the login page).
  const cas = [...(tls.clientCaPem === undefined ? [] : [tls.clientCaPem]), ...eidCaPems];
  const asksForCertificates = cas.length > 0;
  return {
    https: {
      cert: tls.listener.cert,
      key: tls.listener.key,
      minVersion: 'TLSv1.2',
      ciphers: CIPHERS,
      honorCipherOrder: true,
      ...(asksForCertificates ? { ca: cas.join('\n'), requestCert: true, rejectUnauthorized: false } : {}),
    },
  };
}

function readPem(name: string, path: string, shape: RegExp, problems: string[]): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    problems.push(`${name} cannot be read (${path})`);
    return undefined;
  }
  if (!shape.test(text)) {
    problems.push(`${name} must be a PEM file (${path})`);
    return undefined;
  }
  return text;
}

function readCas(text: string, path: string, problems: string[]): X509Certificate[] {
  try {
    const cas = (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((block) => new X509Certificate(block));
    if (cas.length === 0 || cas.some((ca) => !ca.ca)) throw new Error('not CAs');
    return cas;
  } catch {
    problems.push(`TLS_CLIENT_CA_FILE must hold one or more PEM CA certificates (${path})`);
    return [];
  }
}
