import cluster from 'node:cluster';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ensureOperatorParty } from '../admin/operator-bootstrap.service.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DirectoryStore } from '../directory/directory-store.js';
import { hasOperatorPerson } from './operator-person.js';
import { SETUP_LINK_TTL_SECONDS, SetupLinks, setupUrl } from './setup-links.js';

/**
 * The first five minutes: on a start without BOOTSTRAP_* while the directory
 * has no operator person, makes the operator party (as the bootstrap would)
 * and logs, once, at info, a one-time link to the portal's setup page. Each
 * start makes a new link, which ends an unused one of an earlier start.
 * Once per start of the HTTP service: in a cluster only the first worker
 * the primary forks does it (one that replaces a crashed worker has another
 * id), and across replicas the bootstrap lock serializes them (the last
 * link made is the one that works).
 */
@Injectable()
export class FirstOperatorLink implements OnApplicationBootstrap {
  private readonly logger = new Logger('FirstOperatorSetup');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: DirectoryStore,
    private readonly links: SetupLinks,
    private readonly http: HttpAdapterHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // A start of the service, not of a command that borrows its modules without HTTP (npm run demo).
    if (this.config.bootstrapOperator !== undefined || !this.http.httpAdapter) return;
    if (cluster.isWorker && cluster.worker?.id !== 1) return;
    const link = await this.store.transaction(async (tx) => {
      await ensureOperatorParty(this.store, tx);
      if (await hasOperatorPerson(tx)) {
        await this.links.withdrawStartLink(tx);
        return null;
      }
      return this.links.issue(tx, null);
    });
    if (link === null) return;
    // The one line that holds the code: meant for the operator's terminal (test/support/global-teardown.mjs allows it here only).
    this.logger.log(
      `No operator yet. Open ${setupUrl(this.config.publicUrl, link.code)} within ${SETUP_LINK_TTL_SECONDS / 60} minutes to create the first one ` +
        '(a one-time link; the next start prints a new one and this one stops working)',
    );
  }
}
