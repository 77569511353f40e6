import { GRANT_TYPE } from '../../contract/urns.js';
import type { CreatedEntityClientView } from '../../contract/wire.js';
import { api, type Entity, type EntityClient, type Page, type Party } from './api.js';
import { secretOffer } from './client-secrets.js';
import type { ViewContext } from './view-context.js';
import { field, formValues, h, option, table } from './dom.js';
import { keyChooser, privateKeyOffer } from './key-chooser.js';
import { operatorSections } from './operator-views.js';
import { grantableScopes, session } from './session.js';

/** An entity: its details and clients, a form for a new client; the operator also sees its parties and memberships. */
export async function entityView(context: ViewContext, entityId: number): Promise<void> {
  const token = session.acting!.token;
  const loadClients = () => api.get<Page<EntityClient>>(token, `/admin/entity-clients?entity_id=${entityId}&per_page=200`);
  const [entity, clients, parties] = await Promise.all([
    api.get<Entity>(token, `/admin/entities/${entityId}`),
    loadClients(),
    api.get<Page<Party>>(token, `/admin/parties?entity_id=${entityId}&per_page=200`),
  ]);
  const partyName = (id: number | null) => (id === null ? 'Any (named in each assertion)' : (parties.items.find((party) => party.id === id)?.name ?? `#${id}`));
  const listed = h('div', {}, clientsTable(entity, clients.items, partyName));
  const created = h('div', {});
  const refresh = async () => {
    listed.replaceChildren(clientsTable(entity, (await loadClients()).items, partyName));
  };

  context.page(
    entity.name,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Entity ID'), h('dd', {}, String(entity.id)),
      h('dt', {}, 'Type'), h('dd', {}, entity.type),
      h('dt', {}, 'Business ID'), h('dd', {}, `${entity.business_id} (${entity.business_id_type})`),
      h('dt', {}, 'Status'), h('dd', {}, entity.status),
    ),
    h(
      'section',
      { 'aria-labelledby': 'clients-heading' },
      h('h2', { id: 'clients-heading' }, 'Entity clients'),
      listed,
      created,
      createClientForm(context, entity, parties.items, created, refresh),
    ),
    session.isOperator ? await operatorSections(context, entity, parties.items, () => entityView(context, entityId)) : null,
  );
}

function clientsTable(entity: Entity, clients: readonly EntityClient[], partyName: (id: number | null) => string): HTMLElement {
  if (clients.length === 0) return h('p', {}, 'No clients yet.');
  return table(
    `Clients of ${entity.name}`,
    ['Name', 'Client ID', 'Party', 'Scopes', 'Keys', 'Status'],
    clients.map((client) => [
      h('a', { href: `#/clients/${client.client_id}` }, client.name),
      h('code', {}, client.client_id),
      partyName(client.party_id),
      client.scopes.join(' '),
      String(client.keys.length),
      client.active ? 'Active' : 'Inactive',
    ]),
  );
}

function createClientForm(context: ViewContext, entity: Entity, parties: readonly Party[], created: HTMLElement, refresh: () => Promise<void>): HTMLElement {
  const name = h('input', { name: 'name', required: true, maxlength: 255, autocomplete: 'off' });
  const party = h(
    'select',
    { name: 'party_id' },
    h('option', { value: '' }, 'Any party (named in each assertion)'),
    parties.filter((candidate) => candidate.status === 'active').map((candidate) => h('option', { value: String(candidate.id) }, `${candidate.name} (${candidate.type.replaceAll('_', ' ')})`)),
  );
  const scopes = h(
    'fieldset',
    {},
    h('legend', {}, 'Scopes'),
    h('p', { class: 'hint' }, 'What logins with this client may do: you can hand on only what you hold yourself.'),
    grantableScopes(session.acting!.scopes).map((scope) => option(h('input', { type: 'checkbox', name: 'scopes', value: scope }), scope)),
  );
  const key = keyChooser();
  const method = h(
    'select',
    { name: 'token_endpoint_auth_method' },
    h('option', { value: 'private_key_jwt' }, 'Its key: it signs (private_key_jwt)'),
    h('option', { value: 'client_secret_basic' }, 'A client secret, in the Authorization header (client_secret_basic)'),
    h('option', { value: 'client_secret_post' }, 'A client secret, in the form (client_secret_post)'),
    h('option', { value: 'tls_client_auth' }, 'Its TLS certificate from a trusted CA, by subject (tls_client_auth)'),
    h('option', { value: 'self_signed_tls_client_auth' }, 'Its self-signed TLS certificate: the certificate\'s key is its key (self_signed_tls_client_auth)'),
    h('option', { value: 'none' }, 'Nothing: a public app in a browser or on a device, with PKCE (none; authorization code only)'),
  );
  const redirectUris = h('textarea', { name: 'redirect_uris', rows: 2, maxlength: 20_000, autocomplete: 'off', placeholder: 'https://app.example/callback' });
  const redirectField = field('Redirect URIs', redirectUris, 'One a line, https (or http on 127.0.0.1, [::1] or localhost): where people come back to after logging in. Matched exactly.');
  redirectField.hidden = true;
  const subjectDn = h('input', { name: 'tls_client_auth_subject_dn', maxlength: 1024, autocomplete: 'off', placeholder: 'CN=pc1,O=Testkraft AS,C=NO' });
  const subjectField = field('Certificate subject', subjectDn, 'As openssl x509 -noout -subject -nameopt RFC2253 prints it.');
  subjectField.hidden = true;
  const binding = h(
    'select',
    { name: 'binding' },
    h('option', { value: '' }, 'Bearer tokens: whoever holds one may use it'),
    h('option', { value: 'dpop_bound_access_tokens' }, 'Bound to a key it proves with each request (DPoP)'),
    h('option', { value: 'tls_client_certificate_bound_access_tokens' }, 'Bound to its TLS certificate (mutual TLS)'),
  );
  const grants = h(
    'fieldset',
    {},
    h('legend', {}, 'Grants'),
    h('p', { class: 'hint' }, 'How it may obtain tokens.'),
    option(h('input', { type: 'checkbox', name: 'grant_types', value: GRANT_TYPE.jwtBearer, checked: true }), 'JWT-bearer: it signs an assertion naming the party (needs a key)'),
    option(h('input', { type: 'checkbox', name: 'grant_types', value: GRANT_TYPE.clientCredentials }), 'client_credentials: a token for itself'),
    option(h('input', { type: 'checkbox', name: 'grant_types', value: GRANT_TYPE.authorizationCode }), 'authorization_code: people log in here and allow it (PKCE)'),
    option(h('input', { type: 'checkbox', name: 'grant_types', value: GRANT_TYPE.refreshToken }), 'refresh_token: it renews their tokens (rotating refresh tokens)'),
    option(h('input', { type: 'checkbox', name: 'grant_types', value: GRANT_TYPE.password }), 'password: a token for one of your people, with her password (legacy: the app sees the password)'),
  );
  // The key is asked for only when the client will sign.
  const showKey = () => {
    const chosen = formValues(form).get('grant_types') ?? [];
    key.element.hidden = method.value !== 'private_key_jwt' && method.value !== 'self_signed_tls_client_auth' && !chosen.includes(GRANT_TYPE.jwtBearer);
    subjectField.hidden = method.value !== 'tls_client_auth';
    redirectField.hidden = !chosen.includes(GRANT_TYPE.authorizationCode);
  };
  const submit = h('button', { type: 'submit' }, 'Create client');
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'new-client-heading',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const values = formValues(form);
        const chosen = values.get('scopes') ?? [];
        if (chosen.length === 0) {
          context.fail(new Error('Choose at least one scope.'));
          return;
        }
        submit.disabled = true;
        try {
          const { publicKey, privateKeyPem } = key.element.hidden ? { publicKey: undefined, privateKeyPem: undefined } : await key.publicKey();
          const partyId = values.get('party_id')![0];
          const client = await api.send<CreatedEntityClientView>(session.acting!.token, 'POST', '/admin/entity-clients', {
            entity_id: entity.id,
            name: values.get('name')![0],
            scopes: chosen,
            ...(partyId === '' ? {} : { party_id: Number(partyId) }),
            token_endpoint_auth_method: method.value,
            ...(subjectField.hidden ? {} : { tls_client_auth_subject_dn: subjectDn.value }),
            ...(binding.value === '' ? {} : { [binding.value]: true }),
            grant_types: values.get('grant_types') ?? [],
            ...(redirectField.hidden ? {} : { redirect_uris: redirectUris.value.split('\n').map((uri) => uri.trim()).filter((uri) => uri !== '') }),
            ...(publicKey === undefined ? {} : { public_key: publicKey }),
          });
          form.reset();
          key.reset();
          await refresh();
          created.replaceChildren(
            h('section', { class: 'card', 'aria-labelledby': 'created-heading' },
              h('h2', { id: 'created-heading', tabindex: '-1' }, `Client “${client.name}” created`),
              h('dl', { class: 'facts' },
                h('dt', {}, 'Client ID'), h('dd', {}, h('code', { 'data-testid': 'client-id' }, client.client_id)),
                client.keys.length === 0 ? null : [h('dt', {}, 'Key ID'), h('dd', {}, h('code', {}, client.keys[0].kid))]),
              h('p', {}, h('a', { href: `#/clients/${client.client_id}` }, 'Open the client')),
              privateKeyPem === undefined ? null : privateKeyOffer(privateKeyPem, client.client_id, client.keys[0].kid),
              client.client_secret === undefined ? null : secretOffer(client.client_secret, client.secret_id!),
            ),
          );
          context.notify(`Client ${client.name} created.`);
          (created.querySelector('h2') as HTMLElement).focus();
        } catch (error) {
          context.fail(error);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h2', { id: 'new-client-heading' }, 'New client'),
    field('Name', name),
    field('Fixed party', party, 'A client fixed to a party acts for it only; otherwise each assertion names the party in sub.'),
    scopes,
    field('Authenticates with', method),
    subjectField,
    field('Its tokens', binding, 'A bound token is of no use to anyone who steals it.'),
    grants,
    redirectField,
    key.element,
    submit,
  );
  form.addEventListener('change', showKey);
  form.addEventListener('reset', () => setTimeout(showKey));
  return form;
}
