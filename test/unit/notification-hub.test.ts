import { createServer, type Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import { NOTIFICATIONS_APPLICATION_NAME, NotificationHub } from '../../src/database/notification-hub.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/** The hub against a real Postgres (the run's), and against a peer that is not Postgres at all; nothing is mocked. */
describe('NotificationHub', () => {
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL!;
  beforeAll(() => Logger.overrideLogger(false)); // its reconnect warnings are expected here
  const quick = { heartbeatMs: 200, queryTimeoutMs: 300, reconnectDelaysMs: [50] };
  const until = async (what: string, condition: () => boolean | Promise<boolean>, ms = 5000) => {
    const started = Date.now();
    while (!(await condition())) {
      if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const notify = async (channel: string, payload: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query('SELECT pg_notify($1, $2)', [channel, payload]).finally(() => client.end());
  };

  it('LISTENs before it resyncs: a change made during a resync is notified', async () => {
    const hub = new NotificationHub(adminUrl, quick);
    const heard: (string | undefined)[] = [];
    try {
      await hub.subscribe('hub_order', {
        onNotification: (payload) => heard.push(payload),
        onResync: () => notify('hub_order', 'during the resync'),
      });
      expect(hub.isListening).toBe(true);
      await until('the notification', () => heard.includes('during the resync'));
    } finally {
      await hub.onModuleDestroy();
    }
  });

  it('LISTENs and resyncs only the new subscriber when one subscribes while connected', async () => {
    const hub = new NotificationHub(adminUrl, quick);
    const resyncs = { first: 0, second: 0 };
    const heard: string[] = [];
    try {
      await hub.subscribe('hub_first', { onNotification: () => {}, onResync: async () => void resyncs.first++ });
      const unsubscribe = await hub.subscribe('hub_second', { onNotification: (payload) => heard.push(payload!), onResync: async () => void resyncs.second++ });
      expect(resyncs).toEqual({ first: 1, second: 1 });
      await notify('hub_second', 'one');
      await until('the notification', () => heard.length === 1);
      unsubscribe();
      await notify('hub_second', 'two');
      await notify('hub_first', 'marker'); // delivered in order: once it is through, "two" was too
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toEqual(['one']);
    } finally {
      await hub.onModuleDestroy();
    }
  });

  it('declares a half-open connection lost by its heartbeat, tells everyone once, reconnects once and resyncs', async () => {
    const proxy = await TcpProxy.start(adminUrl);
    const hub = new NotificationHub(proxy.url(adminUrl), quick);
    const events: string[] = [];
    try {
      await hub.subscribe('hub_heartbeat', {
        onNotification: (payload) => events.push(`notified ${payload}`),
        onResync: async () => void events.push('resync'),
        onLost: () => events.push('lost'),
      });
      expect(proxy.blackHole(NOTIFICATIONS_APPLICATION_NAME)).toHaveLength(1);
      await until('a reconnection', () => events.length === 3 && hub.isListening);
      expect(events).toEqual(['resync', 'lost', 'resync']);
      await notify('hub_heartbeat', 'after');
      await until('the notification', () => events.includes('notified after'));
      // The black hole kept its connection open to Postgres, which never heard of the end: a second backend.
      expect(proxy.connections.filter((connection) => connection.applicationName === NOTIFICATIONS_APPLICATION_NAME)).toHaveLength(2);
    } finally {
      await hub.onModuleDestroy();
      await proxy.close();
    }
  });

  it('runs one reconnect loop at a time, however many ways a connection fails, and none once stopped', async () => {
    // A peer that accepts and hangs up at once: the connect fails, and the client emits 'error' and 'end' besides.
    let open = 0;
    let mostOpen = 0;
    let attempts = 0;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      attempts += 1;
      mostOpen = Math.max(mostOpen, ++open);
      sockets.add(socket);
      socket.on('close', () => open--);
      setTimeout(() => socket.destroy(), 5);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const hub = new NotificationHub(`postgres://nobody:nothing@127.0.0.1:${port}/none`, { ...quick, reconnectDelaysMs: [20] });
    let resynced = false;
    try {
      await hub.subscribe('hub_refused', { onNotification: () => {}, onResync: async () => void (resynced = true) });
      await until('several attempts', () => attempts >= 8);
      expect(mostOpen).toBe(1);
      expect(hub.isListening).toBe(false);
      expect(resynced).toBe(false);
    } finally {
      await hub.onModuleDestroy();
    }
    const stoppedAt = attempts;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(attempts).toBe(stoppedAt);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
});
