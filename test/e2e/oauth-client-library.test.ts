import { generateKeyPairSync } from 'node:crypto';
import * as client from 'openid-client';
import { decodeJwt, PUBLIC_URL, TestApp } from '../support/test-app.js';

/** A standard OAuth client library (openid-client 6) against the real service: client_credentials with each method. */
describe('openid-client against the service', () => {
  let app: TestApp;
  let company: number;
  let server: client.ServerMetadata;

  /** The library as a client of the service reached on loopback (its public issuer is PUBLIC_URL). */
  function configuration(clientId: string, authentication: client.ClientAuth): client.Configuration {
    const config = new client.Configuration(server, clientId, {}, authentication);
    client.allowInsecureRequests(config);
    return config;
  }

  beforeAll(async () => {
    app = await TestApp.start();
    company = (await app.adminCreate('/admin/entities', { name: 'Library AS', type: 'organisation', business_id: '917171717', business_id_type: 'org' })).id;
    const metadata = (await app.api('GET', '/.well-known/oauth-authorization-server')).body;
    expect(metadata.issuer).toBe(PUBLIC_URL);
    server = { ...metadata, token_endpoint: `${app.baseUrl}/auth/token` };
  });
  afterAll(() => app.close());

  it.each(['client_secret_basic', 'client_secret_post'] as const)('gets a client_credentials token with %s', async (method) => {
    const made = await app.adminCreate('/admin/entity-clients', { entity_id: company, name: method, scopes: ['read:data'], token_endpoint_auth_method: method, grant_types: ['client_credentials'] });
    const authentication = method === 'client_secret_basic' ? client.ClientSecretBasic(made.client_secret) : client.ClientSecretPost(made.client_secret);
    const tokens = await client.clientCredentialsGrant(configuration(made.client_id, authentication), { scope: 'read:data' });
    expect(tokens.token_type).toBe('bearer'); // the library lower-cases it
    expect(decodeJwt(tokens.access_token)).toMatchObject({ client_id: made.client_id, scope: 'read:data' });
  });

  it('gets a client_credentials token with private_key_jwt', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const made = await app.adminCreate('/admin/entity-clients', {
      entity_id: company, name: 'pkjwt', scopes: ['read:data'], token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'],
      public_key: publicKey.export({ type: 'spki', format: 'pem' }),
    });
    const key = await crypto.subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    const tokens = await client.clientCredentialsGrant(configuration(made.client_id, client.PrivateKeyJwt({ key, kid: made.keys[0].kid })));
    expect(decodeJwt(tokens.access_token)).toMatchObject({ client_id: made.client_id, scope: 'read:data' });
  });
});
