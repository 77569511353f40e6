import { ConfigError, loadConfig } from '../../src/config/app-config.js';
import { acceptsClientCertificates, httpsOptions } from '../../src/config/tls-config.js';
import { TestPki } from '../support/test-pki.js';

/** Every problem named at once, as the rest of the configuration does. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('TLS configuration', () => {
  const pki = new TestPki();
  const ca = pki.ca('/CN=Config CA');
  const server = ca.issue('/CN=localhost');

  it('is off by default: HTTP, no client certificates, no nonces', () => {
    const { tls, publicUrl } = loadConfig({});
    expect(tls).toEqual({ listener: undefined, clientCas: [], clientCaPem: undefined, trustedProxies: [], mtlsPublicUrl: undefined, dpopNonce: false });
    expect(publicUrl).toBe('http://localhost:3000');
    expect(httpsOptions(tls)).toEqual({});
    expect(acceptsClientCertificates(tls)).toBe(false);
  });

  it('serves HTTPS (TLS 1.2 and up) with the certificate and key, asking for a client certificate only with client CAs', () => {
    const config = loadConfig({ TLS_CERT_FILE: server.certFile, TLS_KEY_FILE: server.keyFile });
    expect(config.publicUrl).toBe('https://localhost:3000');
    expect(httpsOptions(config.tls).https).toMatchObject({ cert: server.cert, key: server.key, minVersion: 'TLSv1.2' });
    expect(httpsOptions(config.tls).https).not.toHaveProperty('requestCert');
    expect(acceptsClientCertificates(config.tls)).toBe(false);
    const asking = loadConfig({ TLS_CERT_FILE: server.certFile, TLS_KEY_FILE: server.keyFile, TLS_CLIENT_CA_FILE: ca.certFile });
    expect(httpsOptions(asking.tls).https).toMatchObject({ ca: ca.cert, requestCert: true, rejectUnauthorized: false });
    expect(asking.tls.clientCas).toHaveLength(1);
    expect(acceptsClientCertificates(asking.tls)).toBe(true);
    expect(acceptsClientCertificates(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8', TLS_CLIENT_CA_FILE: ca.certFile }).tls)).toBe(true);
  });

  it('reads the proxies, the mTLS alias and the nonce switch', () => {
    const { tls } = loadConfig({ TRUSTED_PROXIES: '10.0.0.5, fd00::/8', MTLS_PUBLIC_URL: 'https://mtls.example.com/', DPOP_NONCE: 'true' });
    expect(tls).toMatchObject({ trustedProxies: ['10.0.0.5', 'fd00::/8'], mtlsPublicUrl: 'https://mtls.example.com', dpopNonce: true });
  });

  it('names every problem, never the content of the key file', () => {
    const problems = problemsOf({
      TLS_CERT_FILE: server.certFile, PUBLIC_URL: 'http://example.com', TLS_CLIENT_CA_FILE: server.certFile,
      TRUSTED_PROXIES: '10.0.0.0/0,proxy.internal', MTLS_PUBLIC_URL: 'http://mtls.example.com', DPOP_NONCE: 'yes',
    });
    expect(problems).toEqual([
      'TLS_CERT_FILE and TLS_KEY_FILE must be set together',
      expect.stringMatching(/^TLS_CLIENT_CA_FILE must hold one or more PEM CA certificates/),
      expect.stringMatching(/^TRUSTED_PROXIES must list .* \(got "10\.0\.0\.0\/0"\)$/),
      expect.stringMatching(/^TRUSTED_PROXIES must list .* \(got "proxy\.internal"\)$/),
      expect.stringMatching(/^MTLS_PUBLIC_URL must be an https:\/\/ URL/),
      'DPOP_NONCE must be true or false (got "yes")',
    ]);
    expect(problemsOf({ TLS_CERT_FILE: server.certFile, TLS_KEY_FILE: server.certFile, PUBLIC_URL: 'http://example.com' })).toEqual([
      expect.stringMatching(/^TLS_KEY_FILE must be a PEM file/),
      'PUBLIC_URL must be an https:// URL when the service serves TLS itself (TLS_CERT_FILE)',
    ]);
    expect(problemsOf({ TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: server.keyFile, PUBLIC_URL: 'https://x.test' })).toEqual(['TLS_CERT_FILE cannot be read (/nonexistent/cert.pem)']);
    expect(problemsOf({ TLS_CERT_FILE: server.keyFile, TLS_KEY_FILE: server.keyFile, PUBLIC_URL: 'https://x.test' }).join('\n')).not.toContain('PRIVATE KEY');
  });
});
