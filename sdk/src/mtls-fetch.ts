import { Agent, request } from 'node:https';
import { Readable } from 'node:stream';

/** A TLS client identity: the certificate (with any intermediates after it, PEM) and its private key; `ca` to trust a private server CA. */
export interface TlsClientIdentity {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  readonly passphrase?: string;
  readonly ca?: string | Buffer;
}

/**
 * `fetch` over mutual TLS: every request presents the client certificate
 * (Node's built-in fetch cannot), on kept-alive connections of its own
 * agent. Bodies: strings, URLSearchParams, Buffers and Uint8Arrays.
 */
export function mtlsFetch(identity: TlsClientIdentity): typeof fetch {
  const agent = new Agent({ cert: identity.cert, key: identity.key, passphrase: identity.passphrase, ca: identity.ca, keepAlive: true, maxSockets: 16 });
  return (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = Object.fromEntries(new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined)).entries());
    if (init.body instanceof URLSearchParams) headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    const body = bodyOf(init.body);
    return new Promise<Response>((resolve, reject) => {
      const sent = request(url, {
        method: init.method ?? 'GET',
        headers: body === undefined ? headers : { 'content-length': String(body.length), ...headers },
        agent,
        signal: init.signal ?? undefined,
      }, (response) => {
        const status = response.statusCode ?? 502;
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) for (const item of [value ?? []].flat()) responseHeaders.append(name, item);
        const empty = status === 204 || status === 304 || init.method === 'HEAD';
        if (empty) response.resume();
        resolve(new Response(empty ? null : (Readable.toWeb(response) as ReadableStream), { status, statusText: response.statusMessage, headers: responseHeaders }));
      });
      sent.on('error', reject);
      sent.end(body);
    });
  };
}

function bodyOf(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof URLSearchParams) return Buffer.from(String(body));
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError('mtlsFetch: send the body as a string, URLSearchParams, Buffer or Uint8Array');
}
