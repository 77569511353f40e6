import { Principal, TOKEN_EXCHANGE_CLIENT_ID, type AccessTokenClaims } from '../../src/tokens/principal.js';
import { PrincipalStanding } from '../../src/tokens/principal-standing.service.js';
import { FakeDirectory } from '../support/directory-fakes.js';

/** What a verified token may still do, decided on an in-memory directory. */
describe('PrincipalStanding', () => {
  const directory = new FakeDirectory();
  const standing = new PrincipalStanding(directory, directory, directory);
  const company = directory.entity({ name: 'Company AS' });
  const org = directory.party(company, { type: 'organisation' });
  const person = directory.entity({ type: 'person', name: 'Kari' });
  directory.member(person, org, ['manage:auth']);

  const accessToken = (claims: Partial<AccessTokenClaims>) => Principal.fromAccessToken({
    iss: 'https://issuer.test', aud: 'https://issuer.test', sub: company.eid, client_id: TOKEN_EXCHANGE_CLIENT_ID, iat: 1, exp: 2, jti: 'j',
    eid: company.eid, entity_id: company.id, role: 'flex_organisation', scope: 'manage:auth manage:data', ...claims,
  });

  it("narrows a client's token to the client's scopes and the party's as they are now", async () => {
    const client = directory.client(company, { scopes: ['manage:auth', 'read:data'], partyId: org.id });
    const token = accessToken({ client_id: client.clientId, party_id: org.id, scope: 'manage:auth read:data' });
    expect((await standing.check(token))!.scope.toString()).toBe('manage:auth read:data');
    directory.clients.set(client.clientId, { ...client, scopes: ['read:data'] });
    expect((await standing.check(token))!.scope.toString()).toBe('read:data');
  });

  it('stands for nothing once the client, its entity or the party is inactive', async () => {
    const client = directory.client(company, { partyId: org.id });
    const token = accessToken({ client_id: client.clientId, party_id: org.id });
    expect(await standing.check(token)).not.toBeNull();
    directory.clients.set(client.clientId, { ...client, active: false });
    expect(await standing.check(token)).toBeNull();
    directory.clients.set(client.clientId, client);
    directory.parties.set(org.id, { ...org, status: 'inactive' });
    expect(await standing.check(token)).toBeNull();
    directory.parties.set(org.id, org);
    directory.entities.set(company.id, { ...company, status: 'inactive' });
    expect(await standing.check(token)).toBeNull();
    directory.entities.set(company.id, company);
  });

  it("refuses a token whose client is another entity's, or fixed to another party", async () => {
    const other = directory.entity();
    const foreign = directory.client(other);
    expect(await standing.check(accessToken({ client_id: foreign.clientId }))).toBeNull();
    const fixed = directory.client(company, { partyId: org.id });
    expect(await standing.check(accessToken({ client_id: fixed.clientId }))).toBeNull();
  });

  it('ends an exchanged token when her membership ends, and a registrant token when she is deactivated', async () => {
    const exchanged = Principal.fromAccessToken({
      iss: 'i', aud: 'i', sub: person.eid, client_id: TOKEN_EXCHANGE_CLIENT_ID, iat: 1, exp: 2, jti: 'x', eid: person.eid, entity_id: person.id, party_id: org.id, role: 'flex_organisation', scope: 'manage:auth',
    });
    expect((await standing.check(exchanged))!.scope.toString()).toBe('manage:auth');
    const [membership] = directory.memberships.splice(0, 1);
    expect(await standing.check(exchanged)).toBeNull();
    directory.memberships.push(membership);

    const registrant = Principal.fromRegistrantToken({ typ: 'registrant', eid: person.eid, entity_id: person.id, name: 'Kari', iat: 1, exp: 2, jti: 'r' });
    expect(await standing.check(registrant)).toBe(registrant);
    directory.entities.set(person.id, { ...person, status: 'inactive' });
    expect(await standing.check(registrant)).toBeNull();
    expect(await standing.check(exchanged)).toBeNull();
  });
});
