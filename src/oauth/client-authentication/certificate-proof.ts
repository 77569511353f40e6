import type { X509Certificate } from 'node:crypto';
import { certificateKeyThumbprint, chainsToAnchor, isCertificateCurrent, permitsClientAuthentication } from '../../crypto/client-certificate.js';
import { certificateSubject, DistinguishedNameError, parseDistinguishedName, sameDistinguishedName } from '../../crypto/distinguished-name.js';
import type { RegisteredPublicKey } from '../../crypto/public-key.js';
import type { PresentedCertificate } from '../../tokens/sender-constraint/presented-certificate.js';

/**
 * tls_client_auth (RFC 8705 §2.1.1): the certificate chains to one of the
 * configured client CAs (TLS_CLIENT_CA_FILE) through what the client sent
 * with it, is current, may authenticate clients, and its subject is the
 * client's registered tls_client_auth_subject_dn as a name (RFC 4514).
 */
export function provesPkiClient(presented: PresentedCertificate | undefined, subjectDn: string | null, clientCas: readonly X509Certificate[]): boolean {
  if (presented === undefined || subjectDn === null || clientCas.length === 0) return false;
  const { certificate, chain } = presented;
  if (!chainsToAnchor(certificate, chain, clientCas) || !permitsClientAuthentication(certificate)) return false;
  const subject = certificateSubject(certificate);
  try {
    return subject !== null && sameDistinguishedName(subject, parseDistinguishedName(subjectDn));
  } catch (error) {
    if (error instanceof DistinguishedNameError) return false; // stored before names were checked: it matches nothing
    throw error;
  }
}

/**
 * self_signed_tls_client_auth (RFC 8705 §2.2): the handshake proved the
 * client holds the certificate's private key, and that key is one of its
 * registered keys. No chain is needed, but an expired certificate is not taken.
 */
export function provesRegisteredKey(presented: PresentedCertificate | undefined, keys: readonly RegisteredPublicKey[]): boolean {
  if (presented === undefined || !isCertificateCurrent(presented.certificate)) return false;
  const thumbprint = certificateKeyThumbprint(presented.certificate);
  return thumbprint !== null && keys.some((key) => key.thumbprint === thumbprint);
}
