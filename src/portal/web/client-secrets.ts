import type { ClientSecretsView, CreatedClientSecretView, EntityClientView } from '../../contract/wire.js';
import { api } from './api.js';
import { h, table } from './dom.js';
import type { ViewContext } from './view-context.js';

/**
 * The one-time offer of a new client secret: shown once, with a copy
 * button; the page forgets it when she says so (it is not stored anywhere
 * but as a digest).
 */
export function secretOffer(secret: string, secretId: string): HTMLElement {
  const value = h('code', { 'data-testid': 'client-secret' }, secret);
  const copy = h('button', { type: 'button' }, 'Copy the secret');
  const done = h('button', { type: 'button' }, 'I have saved the secret');
  const offer = h(
    'section',
    { class: 'offer', 'aria-labelledby': `secret-${secretId}` },
    h('h2', { id: `secret-${secretId}`, tabindex: '-1' }, 'Copy the client secret now'),
    h('p', {}, 'This is the only time it is shown: the service keeps only a digest of it. Keep it secret; the client authenticates with it.'),
    h('p', {}, value),
    h('p', {}, copy, ' ', done),
  );
  copy.addEventListener('click', () => {
    void navigator.clipboard.writeText(secret).then(() => (copy.textContent = 'Copied'), () => (copy.textContent = 'Copy failed: select the secret and copy it'));
  });
  done.addEventListener('click', () => offer.replaceChildren(h('p', {}, 'The secret has been forgotten by this page.')));
  return offer;
}

/** A client's secrets (ids and dates only), a new one (shown once), and deleting one. */
export async function secretsSection(context: ViewContext, token: string, client: EntityClientView, reload: () => Promise<void>): Promise<HTMLElement> {
  const path = `/admin/entity-clients/${client.client_id}/secrets`;
  const { secrets } = await api.get<ClientSecretsView>(token, path);
  const offered = h('div', {});
  const create = h('button', { type: 'button' }, 'New secret');
  create.addEventListener('click', async () => {
    try {
      const made = await api.send<CreatedClientSecretView>(token, 'POST', path);
      await reload();
      context.notify('A new secret is made: copy it now.');
      const offer = secretOffer(made.client_secret, made.secret_id);
      document.getElementById('secret-offer')?.replaceChildren(offer);
      offer.querySelector('h2')?.focus();
    } catch (error) {
      context.fail(error);
    }
  });
  offered.id = 'secret-offer';
  return h(
    'section',
    { 'aria-labelledby': 'secrets-heading' },
    h('h2', { id: 'secrets-heading' }, 'Secrets'),
    h('p', { class: 'hint' }, `Used when the client authenticates with ${client.token_endpoint_auth_method.startsWith('client_secret') ? client.token_endpoint_auth_method : 'a secret method'}. Two at most: make the new one, move the client to it, then delete the old.`),
    table(
      `Secrets of ${client.name}`,
      ['Secret ID', 'Made', 'Last used', ''],
      secrets.map((secret) => [
        h('code', {}, secret.secret_id),
        new Date(secret.created_at).toLocaleString(),
        secret.last_used_at === null ? 'Never' : new Date(secret.last_used_at).toLocaleString(),
        h('button', {
          type: 'button',
          'aria-label': `Delete secret ${secret.secret_id}`,
          onclick: async () => {
            if (!window.confirm('Delete this secret? Authentications with it fail from now on.')) return;
            try {
              await api.send(token, 'DELETE', `${path}/${secret.secret_id}`);
              await reload();
              context.notify('The secret is deleted.');
            } catch (error) {
              context.fail(error);
            }
          },
        }, 'Delete'),
      ]),
    ),
    offered,
    create,
  );
}
