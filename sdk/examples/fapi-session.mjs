// The Open Energy FAPISession's job with @token-issuer/sdk: given a client certificate and its key,
// a session that connects with mutual TLS, authenticates with the certificate (tls_client_auth),
// gets short-lived tokens bound to it (cnf.x5t#S256), renews them before they expire, and calls a
// protected resource over the same certificate. Use `session.fetch` as you would use fetch.
//
//   CLIENT_ID=… ISSUER_URL=https://auth.example.com SCOPE='read:data' \
//   CERTIFICATE=client.pem PRIVATE_KEY=client.key [CA_FILE=server-ca.pem] \
//   node fapi-session.mjs https://auth.example.com/auth/userinfo
import { readFileSync } from 'node:fs';
import { TokenSession } from '@token-issuer/sdk';

const session = new TokenSession({
  clientId: process.env.CLIENT_ID,
  issuerUrl: process.env.ISSUER_URL,
  scope: process.env.SCOPE,
  grant: 'client_credentials',
  clientAuthMethod: 'tls_client_auth',
  tls: {
    cert: readFileSync(process.env.CERTIFICATE),
    key: readFileSync(process.env.PRIVATE_KEY),
    // Only for a server certificate from a private CA (the system's CAs are trusted anyway).
    ...(process.env.CA_FILE ? { ca: readFileSync(process.env.CA_FILE) } : {}),
  },
});

const response = await session.fetch(process.argv[2] ?? `${process.env.ISSUER_URL}/auth/userinfo`);
console.log(response.status, await response.text());
