import { X509Certificate } from 'node:crypto';

/** The identity an eID authentication certificate states in its subject. */
export interface EidIdentity {
  readonly ident: string;
  readonly countryCode: string;
  readonly firstName: string;
  readonly lastName: string;
}

const MAX_PEM_LENGTH = 16 * 1024;

/**
 * Verifies a partner-supplied eID certificate with node:crypto alone: one PEM
 * certificate, not a CA, signed by one of the trusted CAs (themselves CA
 * certificates), and both within their validity at `now`. Returns the
 * subject's identity (`serialNumber` as ETSI `PNO<CC>-<ident>` or a bare
 * ident with the country from `C`, `GN`, `SN`), or null if anything fails.
 */
export function verifyEidCertificate(pem: string, trustedCas: readonly X509Certificate[], now: Date = new Date()): EidIdentity | null {
  if (pem.length > MAX_PEM_LENGTH || (pem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length !== 1) return null;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    return null;
  }
  if (certificate.ca || !isValidAt(certificate, now)) return null;
  const trusted = trustedCas.some((ca) => ca.ca && isValidAt(ca, now) && certificate.checkIssued(ca) && certificate.verify(ca.publicKey));
  if (!trusted) return null;
  return identityOf(certificate);
}

function isValidAt(certificate: X509Certificate, now: Date): boolean {
  return Date.parse(certificate.validFrom) <= now.getTime() && now.getTime() <= Date.parse(certificate.validTo);
}

function identityOf(certificate: X509Certificate): EidIdentity | null {
  const fields = subjectFields(certificate.subject);
  const serialNumber = fields.get('serialNumber');
  const firstName = fields.get('GN');
  const lastName = fields.get('SN');
  if (serialNumber === undefined || firstName === undefined || lastName === undefined) return null;
  const etsi = /^PNO([A-Z]{2})-(.+)$/.exec(serialNumber);
  const countryCode = etsi?.[1] ?? fields.get('C');
  if (countryCode === undefined) return null;
  return { ident: etsi?.[2] ?? serialNumber, countryCode, firstName, lastName };
}

/** Node prints a subject as `KEY=value` lines with `\` escapes; multi-valued attributes are ignored. */
function subjectFields(subject: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of subject.split('\n')) {
    const separator = line.indexOf('=');
    if (separator <= 0) continue;
    const key = line.slice(0, separator);
    if (!fields.has(key)) fields.set(key, line.slice(separator + 1).replace(/\\(.)/g, '$1'));
  }
  return fields;
}
