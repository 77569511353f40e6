import pg from 'pg';

const RECONNECT_DELAYS_MS = [100, 250, 500, 1000, 2000, 5000];

export interface NotificationHandlers {
  /** A NOTIFY on one of the channels. */
  onNotification(channel: string, payload: string | undefined): void;
  /** After every (re)connection, once LISTEN is in place: reload whatever notifications may have been missed. */
  onListening(): Promise<void>;
  onError(message: string): void;
  /** The connection dropped: notifications may be missed until onListening runs again. */
  onLost?(): void;
}

/**
 * One dedicated connection that LISTENs on some channels and reconnects with
 * backoff when it drops. LISTEN comes before onListening's reload, so a
 * change made in between is seen by one or the other.
 */
export class NotificationListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private attempts = 0;

  constructor(
    private readonly connectionString: string | undefined,
    private readonly channels: readonly string[],
    private readonly name: string,
    private readonly handlers: NotificationHandlers,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 1500, keepAlive: true, application_name: this.name });
    client.on('notification', (message) => this.handlers.onNotification(message.channel, message.payload));
    client.on('error', (error) => this.handlers.onError(error.message));
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`LISTEN ${channel}`);
      client.on('end', () => {
        this.handlers.onLost?.();
        this.reconnect();
      });
      this.client = client;
      await this.handlers.onListening();
      this.attempts = 0;
    } catch (error) {
      this.handlers.onError(`could not listen: ${(error as Error).message}`);
      await client.end().catch(() => {});
      this.reconnect();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => {});
  }

  private reconnect(): void {
    if (this.stopped) return;
    this.client = undefined;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.attempts++, RECONNECT_DELAYS_MS.length - 1)];
    setTimeout(() => void this.start(), delay).unref();
  }
}
