import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import {
  certificateKeyThumbprint, certificateThumbprint, chainsToAnchor, parseClientCertChainHeader, parseClientCertHeader, permitsClientAuthentication,
} from '../../src/crypto/client-certificate.js';
import { certificateSubject, DistinguishedNameError, parseDistinguishedName, sameDistinguishedName } from '../../src/crypto/distinguished-name.js';
import { parsePublicKey } from '../../src/crypto/public-key.js';
import { TestPki } from '../support/test-pki.js';

const pki = new TestPki();
const ca = pki.ca('/CN=Unit Client CA');
const client = ca.issue('/C=NO/O=Testkraft AS/CN=pc1');
const x509 = (pem: string) => new X509Certificate(pem);
const rfc2253 = (file: string) => execFileSync('openssl', ['x509', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253'], { encoding: 'utf8' }).replace(/^subject=/, '').trim();
const sfBinary = (pem: string) => `:${x509(pem).raw.toString('base64')}:`;

describe('client certificates (RFC 8705, RFC 9440)', () => {
  it('thumbprints the DER (x5t#S256) and the key as a registered key is (RFC 7638)', () => {
    const certificate = x509(client.cert);
    expect(certificateThumbprint(certificate)).toBe(createHash('sha256').update(certificate.raw).digest('base64url'));
    expect(certificateKeyThumbprint(certificate)).toBe(parsePublicKey(createPublicKey(client.key).export({ type: 'spki', format: 'pem' }) as string).thumbprint);
  });

  it('chains a leaf to its CA, directly or through the intermediates sent with it, and nothing else', () => {
    const intermediate = ca.intermediate('/CN=Unit Issuing CA');
    const below = x509(intermediate.issue('/CN=pc2').cert);
    const anchors = [x509(ca.cert)];
    expect(chainsToAnchor(x509(client.cert), [], anchors)).toBe(true);
    expect(chainsToAnchor(below, [x509(intermediate.cert)], anchors)).toBe(true);
    expect(chainsToAnchor(below, [], anchors)).toBe(false);
    expect(chainsToAnchor(x509(pki.selfSigned('/CN=pc1').cert), [], anchors)).toBe(false);
    expect(chainsToAnchor(x509(ca.issue('/CN=old', { days: -1 }).cert), [], anchors)).toBe(false);
    expect(chainsToAnchor(x509(intermediate.cert), [], anchors)).toBe(false); // a CA is no client
    expect(chainsToAnchor(x509(client.cert), [], [x509(pki.ca('/CN=Other CA').cert)])).toBe(false);
  });

  it('requires client authentication among the extended key usages, when they are listed', () => {
    expect(permitsClientAuthentication(x509(client.cert))).toBe(true);
    expect(permitsClientAuthentication(x509(ca.issue('/CN=c', { extensions: ['extendedKeyUsage=clientAuth'] }).cert))).toBe(true);
    expect(permitsClientAuthentication(x509(ca.issue('/CN=s', { extensions: ['extendedKeyUsage=serverAuth'] }).cert))).toBe(false);
  });

  it('reads Client-Cert and Client-Cert-Chain as sf-binary DER, and nothing else', () => {
    expect(parseClientCertHeader(sfBinary(client.cert))?.raw.equals(x509(client.cert).raw)).toBe(true);
    expect(parseClientCertHeader(x509(client.cert).raw.toString('base64'))).toBeNull();
    expect(parseClientCertHeader(client.cert)).toBeNull();
    expect(parseClientCertHeader(':bm90IGEgY2VydA==:')).toBeNull();
    expect(parseClientCertChainHeader(`${sfBinary(ca.cert)}, ${sfBinary(client.cert)}`)).toHaveLength(2);
    expect(parseClientCertChainHeader(`${sfBinary(ca.cert)}, garbage`)).toBeNull();
    fc.assert(fc.property(fc.string(), (text) => {
      expect(parseClientCertHeader(text)).toBeNull();
      expect(parseClientCertChainHeader(text)).toBeNull();
    }));
  });
});

describe('distinguished names (RFC 4514)', () => {
  it('reads a certificate subject as openssl writes it in RFC 4514 order, and compares case- and space-insensitively', () => {
    const subject = certificateSubject(x509(client.cert))!;
    expect(rfc2253(client.certFile)).toBe('CN=pc1,O=Testkraft AS,C=NO');
    expect(sameDistinguishedName(subject, parseDistinguishedName('CN=pc1,O=Testkraft AS,C=NO'))).toBe(true);
    expect(sameDistinguishedName(subject, parseDistinguishedName('cn = PC1 , o=testkraft   as, c=no'))).toBe(true);
    expect(sameDistinguishedName(subject, parseDistinguishedName('2.5.4.3=pc1,O=Testkraft AS,C=NO'))).toBe(true);
    expect(sameDistinguishedName(subject, parseDistinguishedName('C=NO,O=Testkraft AS,CN=pc1'))).toBe(false); // the other order is another name
    expect(sameDistinguishedName(subject, parseDistinguishedName('CN=pc1,O=Testkraft AS'))).toBe(false);
    expect(sameDistinguishedName(subject, parseDistinguishedName('CN=pc2,O=Testkraft AS,C=NO'))).toBe(false);
  });

  it('reads escapes, UTF-8 hex pairs, #hex values and multi-valued RDNs', () => {
    const issued = ca.issue('/C=NO/O=Kraft, Nett \\+ Co/CN=Bjørn');
    const subject = certificateSubject(x509(issued.cert))!;
    expect(sameDistinguishedName(subject, parseDistinguishedName(rfc2253(issued.certFile)))).toBe(true);
    expect(sameDistinguishedName(subject, parseDistinguishedName('CN=Bjørn,O=Kraft\\, Nett \\+ Co,C=NO'))).toBe(true);
    expect(sameDistinguishedName(subject, parseDistinguishedName('CN=Bj\\C3\\B8rn,O=Kraft\\2C Nett \\2B Co,C=#13024e4f'))).toBe(true);
    expect(sameDistinguishedName(parseDistinguishedName('OU=Drift+CN=a,C=NO'), parseDistinguishedName('CN=a+OU=Drift,C=NO'))).toBe(true);
    expect(parseDistinguishedName('OU=Drift+CN=a,C=NO')).toHaveLength(2);
  });

  it.each([
    ['', /type=value/],
    ['CN', /type=value/],
    ['CN=a,', /type=value/],
    ['XYZ=a', /Unknown attribute type/],
    ['CN=a;b', /must be escaped/],
    ['CN=a\\', /escapes nothing/],
    ['CN=#zz', /#hex/],
    ['CN=\\FF', /not UTF-8/],
  ])('refuses %j', (text, message) => {
    expect(() => parseDistinguishedName(text)).toThrow(message);
  });

  it('round-trips any name written with RFC 4514 escapes, and refuses other input only with DistinguishedNameError', () => {
    const types = ['CN', 'O', 'OU', 'C', 'L', 'serialNumber', 'DC'];
    const escape = (value: string) => value.replace(/[\\,+"<>;=#]/g, (c) => `\\${c}`).replace(/^ | $/g, '\\ ');
    const names = fc.array(fc.array(fc.record({ type: fc.constantFrom(...types), value: fc.string({ minLength: 1, maxLength: 12 }).filter((v) => !/[\u0000-\u001f]/.test(v)) }), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(names, (rdns) => {
      const text = rdns.map((rdn) => rdn.map(({ type, value }) => `${type}=${escape(value)}`).join('+')).join(',');
      const parsed = parseDistinguishedName(text);
      expect(parsed).toHaveLength(rdns.length);
      expect(sameDistinguishedName(parsed, parseDistinguishedName(text.toUpperCase()))).toBe(text.toUpperCase().toLowerCase() === text.toLowerCase());
    }));
    fc.assert(fc.property(fc.string(), (text) => {
      try {
        parseDistinguishedName(text);
      } catch (error) {
        expect(error).toBeInstanceOf(DistinguishedNameError);
      }
    }));
  });

  it('reads any DER without throwing: a name, or null', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const subject = certificateSubject({ raw: Buffer.from(bytes) } as X509Certificate);
      expect(subject === null || Array.isArray(subject)).toBe(true);
    }));
  });
});
