import { Logger, type OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';

/** How the hub's connection shows in pg_stat_activity. */
export const NOTIFICATIONS_APPLICATION_NAME = 'token-issuer notifications';

export interface NotificationSubscriber {
  /** A NOTIFY on the subscribed channel. */
  onNotification(payload: string | undefined): void;
  /** LISTEN is in place on a new connection (or on this subscription): catch up on whatever may have been missed. */
  onResync(): Promise<void>;
  /** The connection is gone: notifications may be missed until the next onResync. */
  onLost?(): void;
}

export interface NotificationHubTiming {
  /** How often the listening connection is asked `SELECT 1`. */
  readonly heartbeatMs: number;
  /** An answer slower than this (or any query on the connection) declares it lost. */
  readonly queryTimeoutMs: number;
  /** Waits before each reconnect attempt; the last repeats. */
  readonly reconnectDelaysMs: readonly number[];
}

const TIMING: NotificationHubTiming = { heartbeatMs: 5000, queryTimeoutMs: 2000, reconnectDelaysMs: [100, 250, 500, 1000, 2000, 5000] };
const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

interface Subscription {
  readonly channel: string;
  readonly subscriber: NotificationSubscriber;
  /** The connection on which onResync last completed. */
  resyncedOn: number;
}

/**
 * The process's one LISTEN connection, shared by every cache that follows
 * changes by NOTIFY. After each (re)connection it LISTENs on every channel
 * before it calls any subscriber's onResync, so a change made in between is
 * seen by one or the other. A heartbeat notices a connection whose peer is
 * gone without a word (a half-open TCP connection) within heartbeat +
 * timeout; whatever ends a connection (an error, its end, a heartbeat or
 * query timeout, a failed connect or resync), exactly one reconnect loop runs.
 */
export class NotificationHub implements OnModuleDestroy {
  private readonly logger = new Logger('NotificationHub');
  private readonly subscriptions = new Set<Subscription>();
  private state: 'idle' | 'connecting' | 'listening' | 'waiting' | 'stopped' = 'idle';
  /** Numbers each connection: events of an earlier one are ignored. */
  private connection = 0;
  private client: pg.Client | undefined;
  private listened = new Set<string>();
  /** Connecting and catching up, one step at a time. */
  private work: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly url: string,
    private readonly timing: NotificationHubTiming = TIMING,
  ) {}

  /**
   * The connection is up, LISTENs on every channel, and every subscriber
   * has resynced on it (one that subscribes later resyncs at once).
   */
  get isListening(): boolean {
    return this.state === 'listening';
  }

  /**
   * Follows `channel`. Resolves once the subscriber has resynced, or once the
   * current attempt to connect has failed (it resyncs when one succeeds).
   * Returns the unsubscribe function.
   */
  async subscribe(channel: string, subscriber: NotificationSubscriber): Promise<() => void> {
    if (!CHANNEL_NAME.test(channel)) throw new Error(`not a channel name: ${channel}`);
    if (this.state === 'stopped') throw new Error('the notification hub is stopped');
    const subscription: Subscription = { channel, subscriber, resyncedOn: 0 };
    this.subscriptions.add(subscription);
    if (this.state === 'idle') this.open();
    else if (this.state === 'listening') {
      const { connection, client } = this;
      this.enqueue(() => this.catchUp(connection, client!));
    }
    await this.work;
    return () => void this.subscriptions.delete(subscription);
  }

  async onModuleDestroy(): Promise<void> {
    this.state = 'stopped';
    this.connection += 1;
    clearInterval(this.heartbeat);
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([client.end().catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
    client.connection.stream.destroy(); // a half-open connection never answers end()
  }

  private enqueue(step: () => Promise<void>): void {
    this.work = this.work.then(step);
  }

  private open(): void {
    const connection = ++this.connection;
    this.state = 'connecting';
    this.listened = new Set();
    // query_timeout bounds every query on this connection: LISTEN and the heartbeat alike.
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1500, query_timeout: this.timing.queryTimeoutMs, keepAlive: true, application_name: NOTIFICATIONS_APPLICATION_NAME });
    this.client = client;
    client.on('notification', (message) => this.dispatch(message.channel, message.payload));
    client.on('error', (error) => this.drop(connection, error.message));
    client.on('end', () => this.drop(connection, 'the connection ended'));
    this.enqueue(async () => {
      try {
        await client.connect();
      } catch (error) {
        this.drop(connection, `could not connect: ${(error as Error).message}`);
        return;
      }
      await this.catchUp(connection, client);
    });
  }

  /**
   * LISTEN on every channel not yet listened on, then onResync for every
   * subscriber not yet resynced on this connection, until none is left
   * (someone may subscribe meanwhile); then the hub is listening.
   */
  private async catchUp(connection: number, client: pg.Client): Promise<void> {
    for (;;) {
      if (connection !== this.connection) return;
      const pending = [...this.subscriptions].filter((subscription) => subscription.resyncedOn !== connection);
      if (pending.length === 0) break;
      let step = 'LISTEN';
      try {
        for (const channel of new Set(pending.map((subscription) => subscription.channel))) {
          if (this.listened.has(channel)) continue;
          await client.query(`LISTEN ${channel}`);
          this.listened.add(channel);
        }
        for (const subscription of pending) {
          if (connection !== this.connection) return;
          step = `the resync of ${subscription.channel}`;
          await subscription.subscriber.onResync();
          subscription.resyncedOn = connection;
        }
      } catch (error) {
        // Changes may have been missed and not caught up: a failed connection, retried with backoff.
        this.drop(connection, `${step} failed: ${(error as Error).message}`);
        return;
      }
    }
    if (this.state !== 'listening') {
      this.state = 'listening';
      this.failures = 0;
      this.heartbeat = setInterval(() => this.beat(connection, client), this.timing.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  private beat(connection: number, client: pg.Client): void {
    client.query('SELECT 1').catch((error: Error) => this.drop(connection, `no answer to the heartbeat (${error.message})`));
  }

  private dispatch(channel: string, payload: string | undefined): void {
    for (const subscription of this.subscriptions) {
      if (subscription.channel !== channel) continue;
      try {
        subscription.subscriber.onNotification(payload);
      } catch (error) {
        this.logger.warn(`a ${channel} notification failed: ${(error as Error).message}`);
      }
    }
  }

  /** Ends this connection (if it is still the current one), tells everyone, and schedules the one reconnect. */
  private drop(connection: number, reason: string): void {
    if (connection !== this.connection || this.state === 'stopped' || this.state === 'waiting') return;
    const wasListening = this.state === 'listening';
    this.connection += 1;
    this.state = 'waiting';
    clearInterval(this.heartbeat);
    this.client?.connection.stream.destroy();
    this.client = undefined;
    if (wasListening) {
      for (const { channel, subscriber } of this.subscriptions) {
        try {
          subscriber.onLost?.();
        } catch (error) {
          this.logger.warn(`onLost of ${channel} failed: ${(error as Error).message}`);
        }
      }
    }
    const delays = this.timing.reconnectDelaysMs;
    const delay = delays[Math.min(this.failures++, delays.length - 1)];
    this.logger.warn(`notifications: ${reason}; reconnecting in ${delay} ms`);
    this.retry = setTimeout(() => this.open(), delay);
    this.retry.unref();
  }
}
