import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it loaded first
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;

export interface TestCa {
  readonly pem: string;
  issue(subject: EidSubject, validity?: { notBefore?: Date; notAfter?: Date }): Promise<string>;
  /** The certificate and its private key (PEM), as a card presents them in a TLS handshake. */
  issueWithKey(subject: EidSubject, validity?: { notBefore?: Date; notAfter?: Date }): Promise<{ cert: string; key: string }>;
}

export interface EidSubject {
  readonly serialNumber: string;
  readonly givenName: string;
  readonly surname: string;
  readonly country?: string;
}

/** A CA of our own making, and authentication certificates it issues, as eID cards carry them. */
export async function createTestCa(name = 'Test eID CA'): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}, C=EE`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 365 * DAY),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  let serial = 1;
  const made: TestCa = {
    pem: ca.toString('pem'),
    async issue(subject, validity = {}) {
      return (await made.issueWithKey(subject, validity)).cert;
    },
    async issueWithKey(subject, validity = {}) {
      const holder = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
      const name = new x509.Name([
        { '2.5.4.6': [{ printableString: subject.country ?? 'EE' }] },
        { '2.5.4.3': [{ utf8String: `${subject.surname},${subject.givenName},${subject.serialNumber}` }] },
        { '2.5.4.4': [{ utf8String: subject.surname }] },
        { '2.5.4.42': [{ utf8String: subject.givenName }] },
        { '2.5.4.5': [{ printableString: subject.serialNumber }] },
      ]);
      const certificate = await x509.X509CertificateGenerator.create({
        serialNumber: (++serial).toString(16).padStart(2, '0'),
        subject: name,
        issuer: ca.subject,
        notBefore: validity.notBefore ?? new Date(Date.now() - DAY),
        notAfter: validity.notAfter ?? new Date(Date.now() + 30 * DAY),
        signingKey: keys.privateKey,
        publicKey: holder.publicKey,
        signingAlgorithm: ALGORITHM,
        extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
      });
      const key = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', holder.privateKey)).toString('base64');
      return { cert: certificate.toString('pem'), key: `-----BEGIN PRIVATE KEY-----\n${key.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n` };
    },
  };
  return made;
}
