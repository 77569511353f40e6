import { api, type Entity, type Membership, type Page, type Party } from './api.js';
import type { ViewContext } from './view-context.js';
import { field, formValues, h, option, table, type Child } from './dom.js';
import { session } from './session.js';

const ENTITY_TYPES = ['organisation', 'person'];
const ENTITY_ID_TYPES = ['org', 'email', 'pid', 'uuid'];
const PARTY_TYPES = ['balance_responsible_party', 'end_user', 'energy_supplier', 'flexibility_information_system_operator', 'market_operator', 'organisation', 'service_provider', 'system_operator', 'third_party'];
const PARTY_ID_TYPES = ['gln', 'org', 'eic_x', 'uuid'];

function select(name: string, options: readonly string[]): HTMLSelectElement {
  return h('select', { name, required: true }, options.map((option) => h('option', { value: option }, option.replaceAll('_', ' '))));
}

/** A form that sends its values as JSON, then reloads the page and says what happened. */
function adminForm(context: ViewContext, heading: string, controls: Child[], submitLabel: string, send: (values: Map<string, string[]>) => Promise<string>, reload: () => Promise<void>): HTMLFormElement {
  const id = `form-${heading.toLowerCase().replaceAll(/[^a-z]+/g, '-')}`;
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'card',
      'aria-labelledby': id,
      onsubmit: async (event: Event) => {
        event.preventDefault();
        try {
          const done = await send(formValues(form));
          await reload();
          context.notify(done);
        } catch (error) {
          context.fail(error);
        }
      },
    },
    h('h2', { id }, heading),
    controls,
    h('button', { type: 'submit' }, submitLabel),
  );
  return form;
}

const one = (values: Map<string, string[]>, name: string) => (values.get(name)?.[0] ?? '').trim();

/** Entities and parties are both named, typed and identified by a business id of some type. */
function identityFields(types: readonly string[], idTypes: readonly string[], idHint: string, idMaxLength: number): Child[] {
  return [
    field('Name', h('input', { name: 'name', required: true, maxlength: 255 })),
    field('Type', select('type', types)),
    field('Business ID', h('input', { name: 'business_id', required: true, maxlength: idMaxLength }), idHint),
    field('Business ID type', select('business_id_type', idTypes)),
  ];
}

function identityOf(values: Map<string, string[]>) {
  return { name: one(values, 'name'), type: one(values, 'type'), business_id: one(values, 'business_id'), business_id_type: one(values, 'business_id_type') };
}

/** The operator's list of every entity, and a form for a new one. */
export async function entitiesView(context: ViewContext): Promise<void> {
  if (!session.isOperator) {
    context.navigate(session.home);
    return;
  }
  const token = session.acting!.token;
  const entities = await api.get<Page<Entity>>(token, '/admin/entities?per_page=200');
  context.page(
    'Entities',
    h('p', {}, `${entities.total} entities${entities.total > entities.items.length ? `; the first ${entities.items.length} are shown` : ''}.`),
    table(
      'All entities',
      ['Name', 'ID', 'Type', 'Business ID', 'Status'],
      entities.items.map((entity) => [h('a', { href: `#/entities/${entity.id}` }, entity.name), String(entity.id), entity.type, `${entity.business_id} (${entity.business_id_type})`, entity.status]),
    ),
    adminForm(
      context,
      'New entity',
      identityFields(ENTITY_TYPES, ENTITY_ID_TYPES, 'org: 9 digits; email: lower case; pid: e.g. PNOEE-30110100103', 254),
      'Create entity',
      async (values) => {
        const entity = await api.send<Entity>(token, 'POST', '/admin/entities', identityOf(values));
        return `Entity ${entity.name} created with ID ${entity.id}.`;
      },
      () => entitiesView(context),
    ),
  );
}

/** On an entity's page, for the operator: its parties, the memberships it holds, and a person's login. */
export async function operatorSections(context: ViewContext, entity: Entity, parties: readonly Party[], reload: () => Promise<void>): Promise<HTMLElement> {
  const token = session.acting!.token;
  const memberships = await api.get<Page<Membership>>(token, `/admin/party-memberships?entity_id=${entity.id}&per_page=200`);
  return h(
    'div',
    {},
    h(
      'section',
      { 'aria-labelledby': 'parties-heading' },
      h('h2', { id: 'parties-heading' }, 'Parties'),
      parties.length === 0
        ? h('p', {}, 'No parties.')
        : table(`Parties of ${entity.name}`, ['Name', 'ID', 'Type', 'Business ID', 'Status'], parties.map((party) => [party.name, String(party.id), party.type, `${party.business_id} (${party.business_id_type})`, party.status])),
      adminForm(
        context,
        'New party',
        identityFields(PARTY_TYPES, PARTY_ID_TYPES, 'gln: 13 digits with a GS1 check digit; org: 9 digits', 64),
        'Create party',
        async (values) => {
          const party = await api.send<Party>(token, 'POST', '/admin/parties', { entity_id: entity.id, ...identityOf(values) });
          return `Party ${party.name} created with ID ${party.id}.`;
        },
        reload,
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'memberships-heading' },
      h('h2', { id: 'memberships-heading' }, 'Memberships held'),
      h('p', {}, `Parties ${entity.name} may act for without owning them.`),
      memberships.items.length === 0
        ? h('p', {}, 'None.')
        : table(`Memberships of ${entity.name}`, ['Party ID', 'Scopes'], memberships.items.map((membership) => [`#${membership.party_id}`, membership.scopes.join(' ')])),
      adminForm(
        context,
        'New membership',
        [
          field('Party ID', h('input', { name: 'party_id', required: true, inputmode: 'numeric', pattern: '[1-9][0-9]*' }), 'The party this entity may act for'),
          field('Scopes', h('input', { name: 'scopes', required: true }), 'Space-separated, e.g. manage:auth manage:data'),
        ],
        'Add membership',
        async (values) => {
          await api.send(token, 'POST', '/admin/party-memberships', { entity_id: entity.id, party_id: Number(one(values, 'party_id')), scopes: one(values, 'scopes').split(/\s+/).filter((scope) => scope !== '') });
          return `${entity.name} may now act for party #${one(values, 'party_id')}.`;
        },
        reload,
      ),
    ),
    entity.type !== 'person'
      ? null
      : adminForm(
          context,
          'Login for the portal',
          [
            field('Username (e-mail)', h('input', { name: 'username', type: 'email', required: true, autocomplete: 'off' })),
            field('Password', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password', minlength: 8 }), 'At least 8 characters, not a common password'),
            option(h('input', { name: 'replace', type: 'checkbox', value: 'true' }), 'Replace the login she has (her old password stops working)'),
          ],
          'Set login',
          async (values) => {
            const replace = one(values, 'replace') === 'true';
            await api.send(token, 'PUT', `/admin/entities/${entity.id}/credentials`, { username: one(values, 'username'), password: values.get('password')?.[0] ?? '', replace });
            return replace ? `${entity.name}'s login is replaced.` : `${entity.name} can now log in.`;
          },
          reload,
        ),
  );
}
