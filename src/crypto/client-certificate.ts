import { createHash, X509Certificate } from 'node:crypto';
import { parsePublicKey, PublicKeyError } from './public-key.js';

/** Intermediates we follow between a client certificate and a trust anchor. */
const MAX_CHAIN = 4;
/** A certificate in a header (base64 of at most 16 KiB of DER). */
const MAX_ENCODED_CERTIFICATE = 22_000;
// RFC 8941 §3.3.5 sf-binary: base64 between colons.
const SF_BINARY = /^:([A-Za-z0-9+/]+={0,2}):$/;

/** `x5t#S256` (RFC 8705 §3.1): base64url of the SHA-256 of the certificate's DER. */
export function certificateThumbprint(certificate: X509Certificate): string {
  return createHash('sha256').update(certificate.raw).digest('base64url');
}

/**
 * The RFC 7638 thumbprint of the certificate's public key, as a registered
 * key's is computed (self_signed_tls_client_auth: the key must be one of the
 * client's); null for a key we would not register (weak RSA, other curves).
 */
export function certificateKeyThumbprint(certificate: X509Certificate): string | null {
  try {
    return parsePublicKey(certificate.publicKey.export({ format: 'jwk' })).thumbprint;
  } catch (error) {
    if (error instanceof PublicKeyError) return null;
    throw error;
  }
}

/** The `Client-Cert` header (RFC 9440 §2.2): one DER certificate as an sf-binary; null if it is not one. */
export function parseClientCertHeader(value: string): X509Certificate | null {
  return decodeSfBinaryCertificate(value.trim());
}

/** The `Client-Cert-Chain` header (RFC 9440 §2.3): a list of sf-binary certificates; null if any item is not one. */
export function parseClientCertChainHeader(value: string): X509Certificate[] | null {
  const items = value.split(',').map((item) => item.trim());
  if (items.length > MAX_CHAIN) return null;
  const certificates = items.map(decodeSfBinaryCertificate);
  return certificates.every((certificate) => certificate !== null) ? (certificates as X509Certificate[]) : null;
}

function decodeSfBinaryCertificate(item: string): X509Certificate | null {
  if (item.length > MAX_ENCODED_CERTIFICATE) return null;
  const base64 = SF_BINARY.exec(item)?.[1];
  if (base64 === undefined) return null;
  try {
    return new X509Certificate(Buffer.from(base64, 'base64'));
  } catch {
    return null;
  }
}

/** Whether `now` is within the certificate's notBefore and notAfter. */
export function isCertificateCurrent(certificate: X509Certificate, now: Date = new Date()): boolean {
  return Date.parse(certificate.validFrom) <= now.getTime() && now.getTime() <= Date.parse(certificate.validTo);
}

/**
 * Whether `leaf` (an end-entity certificate, current at `now`) chains to one
 * of the `anchors` through at most MAX_CHAIN of the `intermediates` the
 * client sent, each a current CA certificate whose key signs the one below.
 * The anchors are trusted as configured; they too must be current.
 */
export function chainsToAnchor(leaf: X509Certificate, intermediates: readonly X509Certificate[], anchors: readonly X509Certificate[], now: Date = new Date()): boolean {
  if (leaf.ca || !isCertificateCurrent(leaf, now)) return false;
  let current = leaf;
  for (let depth = 0; depth <= MAX_CHAIN; depth++) {
    if (anchors.some((anchor) => anchor.ca && isCertificateCurrent(anchor, now) && signs(anchor, current))) return true;
    const issuer = intermediates.find((candidate) => candidate.ca && isCertificateCurrent(candidate, now) && !candidate.raw.equals(current.raw) && signs(candidate, current));
    if (issuer === undefined) return false;
    current = issuer;
  }
  return false;
}

const CLIENT_AUTH_USAGES = ['1.3.6.1.5.5.7.3.2', '2.5.29.37.0']; // id-kp-clientAuth, anyExtendedKeyUsage

/** RFC 5280 §4.2.1.12: a certificate whose extended key usage is listed must list client authentication. */
export function permitsClientAuthentication(certificate: X509Certificate): boolean {
  const usages = certificate.keyUsage;
  return usages === undefined || usages.some((usage) => CLIENT_AUTH_USAGES.includes(usage));
}

function signs(issuer: X509Certificate, subject: X509Certificate): boolean {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
