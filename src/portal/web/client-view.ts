import { api, type EntityClient } from './api.js';
import type { ViewContext } from './view-context.js';
import { h, table } from './dom.js';
import { keyChooser, privateKeyOffer } from './key-chooser.js';
import { secretsSection } from './client-secrets.js';
import { session } from './session.js';

/** One client: its details and keys; add or remove a key, deactivate it. */
export async function clientView(context: ViewContext, clientId: string): Promise<void> {
  const token = session.acting!.token;
  const client = await api.get<EntityClient>(token, `/admin/entity-clients/${clientId}`);
  const path = `/admin/entity-clients/${client.client_id}`;
  const reload = () => clientView(context, clientId);
  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      await reload();
      context.notify(done);
    } catch (error) {
      context.fail(error);
    }
  };
  const offered = h('div', {});
  const key = keyChooser();
  const addKey: HTMLFormElement = h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'add-key-heading',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        try {
          const { publicKey, privateKeyPem } = await key.publicKey();
          const added = await api.send<{ kid: string }>(token, 'POST', `${path}/keys`, { public_key: publicKey });
          await reload();
          context.notify(`Key ${added.kid} added.`);
          // Re-rendered: the offer goes into the new page, after the reload.
          if (privateKeyPem !== undefined) {
            const offer = privateKeyOffer(privateKeyPem, client.client_id, added.kid);
            document.getElementById('key-offer')?.replaceChildren(offer);
            offer.querySelector('h2')?.focus();
          }
        } catch (error) {
          context.fail(error);
        }
      },
    },
    h('h2', { id: 'add-key-heading' }, 'Add a key'),
    h('p', { class: 'hint' }, 'Add the new key first, move your signer to it, then remove the old one: logins keep working throughout.'),
    key.element,
    h('button', { type: 'submit' }, 'Add key'),
  );
  offered.id = 'key-offer';

  context.page(
    client.name,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Client ID'), h('dd', {}, h('code', {}, client.client_id)),
      h('dt', {}, 'Entity'), h('dd', {}, h('a', { href: `#/entities/${client.entity_id}` }, `#${client.entity_id}`)),
      h('dt', {}, 'Fixed party'), h('dd', {}, client.party_id === null ? 'None' : `#${client.party_id}`),
      h('dt', {}, 'Scopes'), h('dd', {}, client.scopes.join(' ')),
      h('dt', {}, 'Grants'), h('dd', {}, client.grant_types.join(', ')),
      h('dt', {}, 'Authenticates with'), h('dd', {}, client.token_endpoint_auth_method),
      client.tls_client_auth_subject_dn === null ? null : [h('dt', {}, 'Certificate subject'), h('dd', {}, h('code', {}, client.tls_client_auth_subject_dn))],
      h('dt', {}, 'Tokens bound to'), h('dd', {}, client.dpop_bound_access_tokens ? 'A DPoP key' : client.tls_client_certificate_bound_access_tokens ? 'Its TLS certificate' : 'Nothing (bearer tokens)'),
      h('dt', {}, 'Status'), h('dd', { 'data-testid': 'client-status' }, client.active ? 'Active' : 'Inactive'),
      h('dt', {}, 'Created'), h('dd', {}, client.recorded_at),
    ),
    client.active
      ? h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: () => {
              if (window.confirm(`Deactivate ${client.name}? Its next login is refused.`)) void act(() => api.send(token, 'POST', `${path}/deactivate`), `${client.name} is deactivated.`);
            },
          },
          'Deactivate client',
        )
      : h('p', {}, 'This client is inactive: its logins are refused.'),
    h(
      'section',
      { 'aria-labelledby': 'keys-heading' },
      h('h2', { id: 'keys-heading' }, 'Keys'),
      table(
        `Keys of ${client.name}`,
        ['Key ID', 'Type', 'Added', ''],
        client.keys.map((registered) => [
          h('code', {}, registered.kid),
          registered.crv === undefined ? registered.kty : `${registered.kty} ${registered.crv}`,
          new Date(registered.created_at).toLocaleString(),
          h(
            'button',
            {
              type: 'button',
              'aria-label': `Remove key ${registered.kid}`,
              onclick: () => {
                if (window.confirm(`Remove key ${registered.kid}? Assertions signed with it are refused from now on.`)) {
                  void act(() => api.send(token, 'DELETE', `${path}/keys/${encodeURIComponent(registered.kid)}`), `Key ${registered.kid} removed.`);
                }
              },
            },
            'Remove',
          ),
        ]),
      ),
      offered,
      addKey,
    ),
    await secretsSection(context, token, client, reload),
  );
}
