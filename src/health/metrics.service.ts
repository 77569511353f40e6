import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

/** Prometheus metrics of this process; scraped at GET /metrics. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  /** grant: jwt-bearer, registrant-password, registrant-eid; outcome: success or the error (invalid_grant, throttled…). */
  private readonly logins = new Counter({ name: 'token_issuer_logins_total', help: 'Logins by grant and outcome', labelNames: ['grant', 'outcome'] as const, registers: [this.registry] });

  /** route is the route pattern (/admin/entities/:id), never the raw path, so ids do not multiply series. */
  readonly requestDuration = new Histogram({
    name: 'token_issuer_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(@InjectDataSource() dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry, prefix: 'token_issuer_' });
    const pool = () => (dataSource.driver as unknown as { master?: { totalCount: number; idleCount: number; waitingCount: number } }).master;
    new Gauge({
      name: 'token_issuer_db_pool_connections',
      help: 'Database pool connections: total, idle, and requests waiting for one',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const current = pool();
        this.set({ state: 'total' }, current?.totalCount ?? 0);
        this.set({ state: 'idle' }, current?.idleCount ?? 0);
        this.set({ state: 'waiting' }, current?.waitingCount ?? 0);
      },
    });
  }

  login(grant: string, outcome: string): void {
    this.logins.inc({ grant, outcome });
  }
}
