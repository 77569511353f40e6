import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SigningKeyRing } from '../crypto/signing-key-ring.js';
import { SigningKeySealer } from '../crypto/signing-key-sealer.js';
import { NotificationHub } from '../database/notification-hub.js';
import { loadSigningKeys, SIGNING_KEYS_CHANNEL } from './signing-key-rotation.js';

/**
 * Holds the issuer's signing key ring: from SIGNING_KEYS when set (the first
 * signs), otherwise from the database, where keys rotate through next,
 * current and retired (`npm run keys -- rotate`). Every replica reloads its
 * ring when a rotation is announced, and whenever it reconnects.
 */
@Injectable()
export class SigningKeys implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('SigningKeys');
  private current: SigningKeyRing | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hub: NotificationHub,
  ) {}

  get ring(): SigningKeyRing {
    if (this.current === undefined) throw new Error('signing keys are not loaded yet');
    return this.current;
  }

  async onModuleInit(): Promise<void> {
    if (this.config.signingKeys !== undefined) {
      this.current = new SigningKeyRing(this.config.signingKeys);
      return;
    }
    if (this.config.databaseUrl !== undefined) {
      this.logger.warn('SIGNING_KEYS is not set: using signing keys generated and kept in the database');
    }
    this.unsubscribe = await this.hub.subscribe(SIGNING_KEYS_CHANNEL, {
      onNotification: () => void this.reload().catch((error: Error) => this.logger.warn(`reloading signing keys failed: ${error.message}`)),
      onResync: () => this.reload(),
    });
    if (this.current === undefined) await this.reload(); // the hub could not connect: load once anyway
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Loads the ring, sealing (again) any row in clear or under a previous TOKEN_SECRET; a row that cannot be unsealed fails it. */
  async reload(): Promise<void> {
    const keys = await loadSigningKeys(this.dataSource, this.keySealer(), this.config.accessTokenTtlSeconds);
    this.current = new SigningKeyRing(keys.map((key) => key.privateJwk));
    this.logger.log(`Signing with ${this.current.currentKid}; publishing ${keys.map((key) => `${key.kid} (${key.state})`).join(', ')}`);
  }

  private sealer: SigningKeySealer | undefined;

  /** TOKEN_SECRET seals the keys kept in the database; it is set by the time the app starts (main.ts keeps one in DATA_DIR for the embedded default). */
  private keySealer(): SigningKeySealer {
    if (this.config.tokenSecret === undefined) throw new Error('TOKEN_SECRET is not configured: it seals the signing keys kept in the database');
    return (this.sealer ??= new SigningKeySealer(this.config.tokenSecret, this.config.tokenSecretsPrevious));
  }
}
