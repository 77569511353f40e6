import { randomUUID } from 'node:crypto';
import { AesTokenCodec } from '../../src/crypto/aes-token-codec.js';
import { RevocationList } from '../../src/tokens/revocation-list.service.js';
import { TEST_TOKEN_SECRET, TestApp } from '../support/test-app.js';

const BUDGET = 5;

/** Revocations that stay in force through the codec's leeway, whole clients and entities cut off, and the per-subject budget. */
describe('revocation bounds across replicas', () => {
  let a: TestApp;
  let b: TestApp;
  let introspector: string;
  let person: { id: number; eid: string };
  const codec = new AesTokenCodec(TEST_TOKEN_SECRET);

  beforeAll(async () => {
    const env = { REVOCATION_SUBJECT_BUDGET: String(BUDGET) };
    a = await TestApp.start({ env });
    b = await TestApp.start({ restartOf: a, env });
    const service = (await a.adminCreate('/admin/entities', { name: 'Bounds RS AS', type: 'organisation', business_id: '966666666', business_id_type: 'org' })).id;
    introspector = await b.accessToken(await a.createClient(service, ['use:auth:introspect']));
    const created = await a.adminCreate('/admin/entities', { name: 'Kari Bounds', type: 'person', business_id: 'kari@bounds.test', business_id_type: 'email' });
    person = { id: created.id, eid: created.eid };
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const organisation = async () =>
    (await a.adminCreate('/admin/entities', { name: `Bounds ${randomUUID()}`, type: 'organisation', business_id: String(900_000_000 + Math.floor(Math.random() * 99_999_999)), business_id_type: 'org' })).id as number;
  const registrantToken = (lifetimeSeconds = 3600) => {
    const now = Math.floor(Date.now() / 1000);
    return codec.encode({ typ: 'registrant', eid: person.eid, entity_id: person.id, name: 'Kari Bounds', iat: now, exp: now + lifetimeSeconds, jti: randomUUID() });
  };
  const activeAt = (app: TestApp, token: string) => app.isActive(token, introspector);
  const revokeAt = (app: TestApp, token: string) => app.revoke(token);
  /** Milliseconds until `app` reports every token inactive (fails after 3 s). */
  async function msUntilInactive(app: TestApp, tokens: string[], since: number): Promise<number> {
    while (Date.now() - since < 3000) {
      if ((await Promise.all(tokens.map((token) => activeAt(app, token)))).every((active) => !active)) return Date.now() - since;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('still active after 3 s');
  }
  /** Waits until the wall clock reads `epochMs`: a timer runs on the monotonic clock and may fire a millisecond early by Date.now(). */
  async function sleepUntil(epochMs: number): Promise<void> {
    while (Date.now() < epochMs) await new Promise((resolve) => setTimeout(resolve, Math.max(1, epochMs - Date.now())));
  }

  it('refuses a revoked registrant token through the 5 s past its exp that the codec still accepts', async () => {
    const revoked = registrantToken(1);
    const control = registrantToken(1);
    const { exp } = codec.decode(revoked)!;
    expect((await a.api('GET', '/auth/userinfo', revoked)).status).toBe(200);
    expect((await revokeAt(a, revoked)).status).toBe(200);
    await sleepUntil(exp * 1000 + 1500); // past exp, inside the leeway
    expect((await a.api('GET', '/auth/userinfo', control)).status).toBe(200); // the leeway is real: an unrevoked one still passes
    for (const app of [a, b]) {
      expect((await app.api('GET', '/auth/userinfo', revoked)).status).toBe(401);
      expect(await activeAt(app, revoked)).toBe(false);
    }
  });

  it.each([['a client', 'client'], ['an entity', 'entity']] as const)('revokeAllOf %s reaches the other replica within 1 s; tokens issued after the cut-off second work', async (_, kind) => {
    const entity = await organisation();
    const client = await a.createClient(entity, ['read:data']);
    const other = await a.createClient(entity, ['read:data']);
    const tokens = [await b.accessToken(client), await a.accessToken(client)];
    const ofOther = await b.accessToken(other);
    for (const token of [...tokens, ofOther]) expect(await activeAt(b, token)).toBe(true);

    const started = Date.now();
    const cutoff = await a.app.get(RevocationList).revokeAllOf(kind === 'client' ? { kind, clientId: client.clientId } : { kind, entityId: entity });
    expect(await msUntilInactive(b, kind === 'client' ? tokens : [...tokens, ofOther], started)).toBeLessThan(1000);
    // A client's cut-off leaves the entity's other clients alone.
    if (kind === 'client') expect(await activeAt(b, ofOther)).toBe(true);

    await sleepUntil(cutoff.getTime() + 1000);
    const later = await b.accessToken(client);
    for (const app of [a, b]) expect(await activeAt(app, later)).toBe(true);
    expect((await b.api('GET', '/auth/userinfo', later)).status).toBe(200);
  });

  it("revokeAllOf a person refuses her registrant tokens issued until the cut-off at the other replica within 1 s, and not later ones", async () => {
    const token = registrantToken();
    expect(await activeAt(b, token)).toBe(true);
    const started = Date.now();
    const cutoff = await a.app.get(RevocationList).revokeAllOf({ kind: 'entity', entityId: person.id });
    expect(await msUntilInactive(b, [token], started)).toBeLessThan(1000);
    expect((await b.api('GET', '/auth/userinfo', token)).status).toBe(401);
    await sleepUntil(cutoff.getTime() + 1000);
    const later = registrantToken();
    expect((await b.api('GET', '/auth/userinfo', later)).status).toBe(200);
  });

  it('replaces a client\'s revocations beyond its budget with one cut-off: every earlier token is refused, a later login works', async () => {
    const client = await a.createClient(await organisation(), ['read:data']);
    const tokens: string[] = [];
    for (let i = 0; i < BUDGET + 3; i++) tokens.push(await a.accessToken(client));
    const subject = `client:${client.clientId}`;

    for (const token of tokens.slice(0, BUDGET)) expect((await revokeAt(a, token)).status).toBe(200);
    expect(await a.query('SELECT count(*)::int AS entries FROM revoked_tokens WHERE subject = $1', [subject])).toEqual([{ entries: BUDGET }]);
    await msUntilInactive(b, tokens.slice(0, BUDGET), Date.now());
    expect(await activeAt(b, tokens[BUDGET])).toBe(true); // within the budget, only the revoked ones are refused
    const held = b.app.get(RevocationList).memory.held;

    const started = Date.now();
    expect((await revokeAt(a, tokens[BUDGET])).status).toBe(200); // one more than the budget
    // One cut-off instead of the entries; only the revocation that escalated stays listed beside it.
    const [cut] = await a.query<{ cutoff: Date }>('SELECT cutoff FROM revoked_subjects WHERE subject = $1', [subject]);
    expect(cut).toBeDefined();
    expect(await a.query('SELECT count(*)::int AS entries FROM revoked_tokens WHERE subject = $1', [subject])).toEqual([{ entries: 1 }]);
    // Every token issued before, revoked or not, is refused on both replicas.
    expect(await msUntilInactive(b, tokens, started)).toBeLessThan(1000);
    for (const token of tokens) expect(await activeAt(a, token)).toBe(false);

    // B's memory holds the cut-off and the one entry, not the revocations they replaced.
    const until = Date.now() + 1000;
    while (b.app.get(RevocationList).memory.held !== held - BUDGET + 2 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(b.app.get(RevocationList).memory.held).toBe(held - BUDGET + 2);

    await sleepUntil(cut.cutoff.getTime() + 1000);
    const later = await b.accessToken(client);
    for (const app of [a, b]) expect(await activeAt(app, later)).toBe(true);
  });
});
