import { ProblemError } from '../../src/common/protocol-errors.js';
import { AdminPolicy, type AdminActor } from '../../src/admin/admin-policy.js';
import { ScopeSet } from '../../src/model/scope.js';
import { Principal } from '../../src/tokens/principal.js';
import { FakeDirectory } from '../support/directory-fakes.js';

/** Who may do what in the admin API, decided on an in-memory directory. */
describe('AdminPolicy', () => {
  const directory = new FakeDirectory();
  const rights = new Map<number, { ownsParties: boolean; memberOfPartiesOf: number[] }>();
  const custody = new Map<number, number | null>();
  const policy = new AdminPolicy(
    { rightsOf: async (id: number) => rights.get(id) ?? { ownsParties: false, memberOfPartiesOf: [] } },
    directory,
    { custodyOf: async (id: number) => custody.get(id) ?? null },
  );
  const operatorCompany = directory.entity({ name: 'FIS Operator' });
  const operatorParty = directory.party(operatorCompany, { type: 'flexibility_information_system_operator', operator: true });
  directory.operatorParty = operatorParty.id;
  const company = directory.entity({ name: 'Company AS' });
  const org = directory.party(company, { type: 'organisation' });
  const pretender = directory.party(company, { type: 'flexibility_information_system_operator' });

  const token = (partyId: number | undefined, scope = 'manage:auth manage:data', entityId = company.id) => Principal.fromAccessToken({
    iss: 'i', aud: 'i', sub: 's', client_id: 'token-exchange', iat: 1, exp: 2, jti: 'j', eid: 's', entity_id: entityId, role: 'r', scope, ...(partyId === undefined ? {} : { party_id: partyId }),
  });
  const forbidden = async (work: () => Promise<unknown> | unknown) => {
    const error = await Promise.resolve().then(work).then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProblemError);
    return (error as ProblemError).status;
  };

  it('knows the operator by the marked party alone, and a company admin by its organisation party', async () => {
    expect((await policy.actorOf(token(operatorParty.id, 'manage:auth', operatorCompany.id))).kind).toBe('operator');
    expect(await policy.actorOf(token(org.id))).toMatchObject({ kind: 'company', entityId: company.id });
    expect(await forbidden(() => policy.actorOf(token(pretender.id)))).toBe(403);
    expect(await forbidden(() => policy.actorOf(token(undefined)))).toBe(403);
    directory.parties.set(org.id, { ...org, status: 'inactive' });
    expect(await forbidden(() => policy.actorOf(token(org.id)))).toBe(403);
    directory.parties.set(org.id, org);
  });

  it('lets a company admin empower a client only within its own scopes', async () => {
    const actor = await policy.actorOf(token(org.id, 'manage:auth read:data'));
    expect(() => policy.assertMayEmpower(actor, ['read:data:party'])).not.toThrow();
    expect(() => policy.assertMayEmpower(actor, ['use:registrant:eid'])).toThrow(ProblemError);
    expect(() => policy.assertMayGrant(actor, ScopeSet.parse('manage:data'))).toThrow(ProblemError);
    const operator: AdminActor = { kind: 'operator', principal: token(operatorParty.id) };
    expect(() => policy.assertMayEmpower(operator, ['use:registrant:eid'])).not.toThrow();
  });

  it("lets a company admin set the login only of a person whose every right lies within the company", async () => {
    const actor = await policy.actorOf(token(org.id));
    rights.set(101, { ownsParties: false, memberOfPartiesOf: [company.id] });
    rights.set(102, { ownsParties: false, memberOfPartiesOf: [company.id, operatorCompany.id] });
    rights.set(103, { ownsParties: true, memberOfPartiesOf: [company.id] });
    await expect(policy.assertCanSetCredentialsOf(actor, 101)).resolves.toBeUndefined();
    expect(await forbidden(() => policy.assertCanSetCredentialsOf(actor, 102))).toBe(403);
    expect(await forbidden(() => policy.assertCanSetCredentialsOf(actor, 103))).toBe(403);
    expect(await forbidden(() => policy.assertCanSetCredentialsOf(actor, 104))).toBe(403); // no rights here at all
    await expect(policy.assertCanSetCredentialsOf({ kind: 'operator', principal: token(operatorParty.id) }, 102)).resolves.toBeUndefined();
  });

  it("refuses the operator a right elsewhere for a person whose login a company holds", async () => {
    custody.set(201, company.id);
    const manager = {} as never;
    expect(await forbidden(() => policy.assertCustodyAllows(201, operatorCompany.id, manager))).toBe(409);
    await expect(policy.assertCustodyAllows(201, company.id, manager)).resolves.toBeUndefined();
    await expect(policy.assertCustodyAllows(202, operatorCompany.id, manager)).resolves.toBeUndefined();
  });
});
