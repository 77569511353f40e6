// The world both bench scripts log in to, made through the admin API: an organisation with a service-provider party,
// key and secret clients, an app for the code flow, people with passwords and the browsers they are logged in with.
import { codeFlowTokens, LOGIN_SCOPE, REFRESH_SCOPE } from './flows.mjs';
import { basicAuthorization, keyClient, operatorAdmin, people } from './seed.mjs';

/** Browsers (cookie jars) whose login session stands, for the code-flow and refresh-token scenarios. */
export const SESSION_BROWSERS = 16;
/** The password scenarios rotate through this many people: the throttle admits only a few attempts of one person from one address at once. */
const BENCH_PEOPLE = 200;

/**
 * Seeds `service`; `needs` says what the scenarios to run need: `people` (and their login sessions), and
 * `allConsents` (every person has consented to the login scope, for the code flow with the password).
 */
export async function seedWorld(service, { people: needsPeople = true, allConsents = false } = {}) {
  const admin = await operatorAdmin(service);
  const entity = await admin('POST', '/admin/entities', { name: 'Bench AS', type: 'organisation', business_id: '123456789', business_id_type: 'org' });
  const party = await admin('POST', '/admin/parties', { entity_id: entity.id, name: 'Bench SP', type: 'service_provider', business_id: '1111111111116', business_id_type: 'gln' });
  const secretClient = async (fields) => {
    const made = await admin('POST', '/admin/entity-clients', { entity_id: entity.id, name: 'bench secret', token_endpoint_auth_method: 'client_secret_basic', ...fields });
    return { clientId: made.client_id, secret: made.client_secret, basic: basicAuthorization(made.client_id, made.client_secret) };
  };
  const world = {
    client: await keyClient(admin, entity.id, ['manage:data', 'read:data'], party.id),
    partner: await keyClient(admin, entity.id, ['use:registrant:eid']),
    introspector: await keyClient(admin, entity.id, ['use:auth:introspect']),
    secret: await secretClient({ scopes: ['manage:data', 'read:data'], party_id: party.id, grant_types: ['client_credentials'] }),
    app: await secretClient({ scopes: ['read:data'], grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['https://app.bench.test/callback'] }),
    // Each person costs an argon2id hash to make, and a code flow.
    people: needsPeople ? await people(admin, BENCH_PEOPLE) : [],
    jars: [],
  };
  // Login sessions (and consent to both scopes) in SESSION_BROWSERS browsers; consent to the login scope for everyone when asked.
  for (const [i, person] of world.people.entries()) {
    if (i >= SESSION_BROWSERS && !allConsents) break;
    const { jar } = await codeFlowTokens(service.base, world.app, person.username, LOGIN_SCOPE);
    if (i < SESSION_BROWSERS) world.jars.push((await codeFlowTokens(service.base, world.app, person.username, REFRESH_SCOPE, jar)).jar);
  }
  return world;
}

/** `count` refresh-token families (rounded up to a multiple of SESSION_BROWSERS), each from a code flow in a browser whose session stands. */
export async function refreshFamilies(service, world, count) {
  const made = [];
  for (let i = 0; i < count; i += SESSION_BROWSERS) {
    made.push(...await Promise.all(world.jars.map(async (jar) => (await retried(() => codeFlowTokens(service.base, world.app, undefined, REFRESH_SCOPE, jar))).tokens.refresh_token)));
  }
  return made;
}

/**
 * A flow started again when fetch loses its connection: after a load run, a kept-alive connection the service is
 * just closing (its keep-alive timeout) can take the next request. An abandoned flow simply expires.
 */
async function retried(flow, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await flow();
    } catch (error) {
      if (attempt === attempts || !(error instanceof TypeError && error.message === 'fetch failed')) throw error;
    }
  }
}
