import { createServer, connect, type Server, type Socket } from 'node:net';

/** One client connection through the proxy, named by the application_name of its Postgres startup message. */
export interface ProxiedConnection {
  applicationName: string | undefined;
  /** The proxy's port towards Postgres: `client_port` in pg_stat_activity. */
  readonly upstreamPort: number | undefined;
  readonly openedAt: number;
  blackHoled: boolean;
}

const PROTOCOL_3 = 196608;

/**
 * A TCP proxy in front of Postgres that can black-hole a connection: stop
 * forwarding either way without closing anything, as a peer that vanished
 * without a FIN (a half-open connection). Neither end hears of it, and when
 * the client gives up on its socket, Postgres still is not told.
 */
export class TcpProxy {
  readonly connections: ProxiedConnection[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** A proxy to the host and port of `databaseUrl`. */
  static async start(databaseUrl: string): Promise<TcpProxy> {
    const target = new URL(databaseUrl);
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy!.accept(client, target.hostname, Number(target.port || 5432)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  /** `databaseUrl` with the proxy as its host and port. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** Black-holes the open connections of `applicationName`; returns them. Later connections pass. */
  blackHole(applicationName: string): ProxiedConnection[] {
    const hit = this.connections.filter((connection) => connection.applicationName === applicationName && !connection.blackHoled);
    for (const connection of hit) connection.blackHoled = true;
    return hit;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: Socket, host: string, port: number): void {
    const upstream = connect(port, host);
    const connection: ProxiedConnection = { applicationName: undefined, upstreamPort: undefined, openedAt: Date.now(), blackHoled: false };
    this.connections.push(connection);
    upstream.on('connect', () => ((connection as { upstreamPort?: number }).upstreamPort = upstream.localPort));
    let startup: Buffer | undefined = Buffer.alloc(0);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.sockets.delete(socket);
        if (!connection.blackHoled) (socket === client ? upstream : client).destroy();
      });
    }
    client.on('data', (chunk) => {
      if (startup !== undefined) {
        startup = Buffer.concat([startup, chunk]);
        const name = applicationNameOf(startup);
        if (name !== null) {
          connection.applicationName = name;
          startup = undefined;
        }
      }
      if (!connection.blackHoled) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!connection.blackHoled) client.write(chunk);
    });
  }
}

/**
 * The application_name of a complete StartupMessage (sent in clear, before
 * authentication): Int32 length, Int32 protocol 3.0, then name\0value\0
 * pairs ending with \0. Null while incomplete; undefined when not there.
 */
function applicationNameOf(bytes: Buffer): string | undefined | null {
  if (bytes.length < 8) return null;
  const length = bytes.readInt32BE(0);
  if (bytes.length < length) return null;
  if (bytes.readInt32BE(4) !== PROTOCOL_3) return undefined; // an SSLRequest or a cancel request: no name
  const fields = bytes.subarray(8, length - 1).toString('utf8').split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'application_name') return fields[i + 1];
  return undefined;
}
