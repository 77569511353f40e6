import { field, h, option } from './dom.js';
import { generateClientKeyPair, privateKeyDownload } from './keys.js';

/**
 * The key part of a form: a key pair generated in this browser (the default),
 * or a pasted public key. `publicKey()` gives what to send and, for a
 * generated pair, the private key to offer once after the server accepted it.
 */
export function keyChooser(): { element: HTMLElement; publicKey(): Promise<{ publicKey: string; privateKeyPem?: string }>; reset(): void } {
  const generate = h('input', { type: 'radio', name: 'key_source', value: 'generate', checked: true });
  const paste = h('input', { type: 'radio', name: 'key_source', value: 'paste' });
  const pasted = h('textarea', { name: 'public_key', rows: 6, spellcheck: 'false' });
  const pasteField = field('Public key', pasted, 'PEM (BEGIN PUBLIC KEY) or JWK: RSA of 2048 bits or more, P-256, or Ed25519.');
  pasteField.hidden = true;
  const toggle = () => {
    pasteField.hidden = !paste.checked;
    pasted.required = paste.checked;
  };
  generate.addEventListener('change', toggle);
  paste.addEventListener('change', toggle);
  const element = h(
    'fieldset',
    {},
    h('legend', {}, 'Key'),
    option(generate, 'Generate a key pair in this browser (ES256). You download the private key once; it is never sent to the server.'),
    option(paste, 'Paste a public key you made yourself'),
    pasteField,
  );
  return {
    element,
    /** Back to generating (a form's reset fires no change event). */
    reset() {
      generate.checked = true;
      pasted.value = '';
      toggle();
    },
    async publicKey() {
      if (paste.checked) return { publicKey: pasted.value.trim() };
      const pair = await generateClientKeyPair();
      return { publicKey: pair.publicKeyPem, privateKeyPem: pair.privateKeyPem };
    },
  };
}
/** The one-time offer of a generated private key, after the server registered its public half. */
export function privateKeyOffer(privateKeyPem: string, clientId: string, kid: string): HTMLElement {
  const download = privateKeyDownload(privateKeyPem, `client-${clientId}.private-key.pem`);
  const done = h('button', { type: 'button' }, 'I have saved the private key');
  const offer = h(
    'section',
    { class: 'offer', 'aria-labelledby': `offer-${kid}` },
    h('h2', { id: `offer-${kid}`, tabindex: '-1' }, 'Download the private key now'),
    h('p', {}, 'This is the only copy. It is not stored anywhere and will not be shown again. Keep it secret; sign your login assertions with it, with key ID ', h('code', {}, kid), '.'),
    h('p', {}, h('a', { href: download.url, download: download.fileName, class: 'button' }, 'Download private key')),
    done,
  );
  done.addEventListener('click', () => {
    download.forget();
    offer.replaceChildren(h('p', {}, 'The private key has been forgotten by this page.'));
  });
  return offer;
}
