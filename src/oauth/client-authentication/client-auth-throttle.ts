import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { isUuid } from '../../model/business-id.js';
import { LoginThrottle, type ThrottleKey } from '../../registrant/login-throttle.service.js';

/** A lock is looked up again after this long: another replica's lock is seen within it. */
const LOCK_FRESH_MS = 1000;
const LOCKS_KEPT = 10_000;

/**
 * Failed client authentications, counted in the password logins' store per
 * client from one address (the password limit) and per address (the address
 * limit), and locked out the same way. A secret is checked far too cheaply
 * to race, so an attempt is not admitted first: failures are counted after
 * the fact, and a lock is read from the database at most once a second per
 * key (a success writes nothing).
 */
@Injectable()
export class ClientAuthThrottle {
  private readonly locks = new Map<string, { readonly until: number; readonly readAt: number }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: LoginThrottle,
  ) {}

  keysFor(clientId: string, address: string): ThrottleKey[] {
    const { maxFailures, addressMaxFailures } = this.config.loginThrottle;
    return [
      // Ids that are no client id share one key: junk (a NUL, 60 kB) never reaches the store as a key of its own.
      { key: `client:${isUuid(clientId) ? clientId.toLowerCase() : '(no client id)'}|${address}`, limit: maxFailures },
      { key: `client-addr:${address}`, limit: addressMaxFailures },
    ];
  }

  /** Seconds until every key is free: 0 when none is locked. */
  async lockedFor(keys: readonly ThrottleKey[]): Promise<number> {
    const now = Date.now();
    const stale = keys.filter(({ key }) => (this.locks.get(key)?.readAt ?? 0) < now - LOCK_FRESH_MS);
    if (stale.length > 0) {
      const locks = await this.store.locks(stale.map(({ key }) => key));
      for (const { key } of stale) this.remember(key, now + (locks.get(key) ?? 0) * 1000, now);
    }
    return Math.max(0, ...keys.map(({ key }) => Math.ceil(((this.locks.get(key)?.until ?? 0) - now) / 1000)));
  }

  async recordFailure(keys: readonly ThrottleKey[]): Promise<void> {
    await this.store.recordFailures(keys);
    for (const { key } of keys) this.locks.delete(key); // read afresh at the next attempt
  }

  private remember(key: string, until: number, readAt: number): void {
    this.locks.delete(key);
    this.locks.set(key, { until, readAt });
    if (this.locks.size > LOCKS_KEPT) this.locks.delete(this.locks.keys().next().value!);
  }
}
