import { OAuthError } from '../../src/common/protocol-errors.js';
import { PartyResolver } from '../../src/oauth/party-resolver.js';
import { FakeDirectory } from '../support/directory-fakes.js';

/** Which party a JWT-bearer login acts for, decided on an in-memory directory. */
describe('PartyResolver', () => {
  const directory = new FakeDirectory();
  const resolver = new PartyResolver(directory);
  const acme = directory.entity({ name: 'Acme AS' });
  const sp = directory.party(acme, { type: 'service_provider', businessId: '1111111111116' });
  const sharedSp = directory.party(acme, { type: 'service_provider', businessId: '5790000000005' });
  const sharedBrp = directory.party(acme, { type: 'balance_responsible_party', businessId: '5790000000005' });
  const other = directory.entity({ name: 'Other AS' });
  const foreign = directory.party(other, { type: 'energy_supplier', businessId: '7080000000005' });
  const membered = directory.party(other, { type: 'system_operator', businessId: '7080000000012' });
  directory.member(acme, membered, ['read:data']);
  const free = directory.client(acme);
  const fixed = directory.client(acme, { partyId: sp.id });

  const refusal = async (work: Promise<unknown>) => {
    const error = await work.then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(OAuthError);
    return (error as OAuthError).description;
  };

  it('gives an entity-level token without sub to a client without a fixed party', async () => {
    expect(await resolver.resolve(free, undefined)).toBeUndefined();
  });

  it('finds an owned party by sub, and a membership with its scopes', async () => {
    expect((await resolver.resolve(free, 'no:party:gln:1111111111116'))!.party.id).toBe(sp.id);
    const member = (await resolver.resolve(free, 'no:party:gln:7080000000012'))!;
    expect({ party: member.party.id, owned: member.owned, scopes: member.scopes.toString() }).toEqual({ party: membered.id, owned: false, scopes: 'read:data' });
  });

  it('asks for the type suffix when a business id is ambiguous, and resolves it with one', async () => {
    expect(await refusal(resolver.resolve(free, 'no:party:gln:5790000000005'))).toMatch(/ambiguous.*balance_responsible_party, service_provider/);
    expect((await resolver.resolve(free, 'no:party:gln:5790000000005:balance_responsible_party'))!.party.id).toBe(sharedBrp.id);
    expect((await resolver.resolve(free, 'no:party:gln:5790000000005:service_provider'))!.party.id).toBe(sharedSp.id);
  });

  it('refuses a party the entity may not act for, and a malformed sub', async () => {
    expect(await refusal(resolver.resolve(free, `no:party:gln:${foreign.businessId}`))).toMatch(/may not act/);
    expect(await refusal(resolver.resolve(free, 'party:1111111111116'))).toMatch(/must be no:party/);
  });

  it('keeps a fixed-party client to its party, with or without sub', async () => {
    expect((await resolver.resolve(fixed, undefined))!.party.id).toBe(sp.id);
    expect((await resolver.resolve(fixed, 'no:party:gln:1111111111116'))!.party.id).toBe(sp.id);
    expect(await refusal(resolver.resolve(fixed, 'no:party:gln:7080000000012'))).toMatch(/only for its own fixed party/);
  });

  it('follows the directory: an inactive party, or an inactive owner of a membership, ends the right to act', async () => {
    const directory = new FakeDirectory();
    const resolver = new PartyResolver(directory);
    const company = directory.entity();
    const party = directory.party(company, { businessId: '4000000000006' });
    const owner = directory.entity();
    const theirs = directory.party(owner, { businessId: '7080000000029' });
    directory.member(company, theirs, ['read:data']);
    const client = directory.client(company, { partyId: party.id });
    directory.parties.set(party.id, { ...party, status: 'inactive' });
    expect(await refusal(resolver.resolve(client, undefined))).toMatch(/inactive or its entity may no longer act/);
    directory.entities.set(owner.id, { ...owner, status: 'inactive' });
    expect(await refusal(resolver.resolve(directory.client(company), 'no:party:gln:7080000000029'))).toMatch(/may not act/);
  });
});
