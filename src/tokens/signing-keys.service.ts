import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SigningKeyRing } from '../crypto/signing-key-ring.js';
import { NotificationListener } from '../database/notification-listener.js';
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
  private listener: NotificationListener | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
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
    this.listener = new NotificationListener((this.dataSource.options as { url?: string }).url, [SIGNING_KEYS_CHANNEL], 'token-issuer signing keys', {
      onNotification: () => void this.reload().catch((error: Error) => this.logger.warn(`reloading signing keys failed: ${error.message}`)),
      onListening: () => this.reload(),
      onError: (message) => this.logger.warn(`signing key listener: ${message}`),
    });
    await this.listener.start();
    if (this.current === undefined) await this.reload(); // the listener could not connect: load once anyway
  }

  async onModuleDestroy(): Promise<void> {
    await this.listener?.stop();
  }

  async reload(): Promise<void> {
    const keys = await loadSigningKeys(this.dataSource, this.config.accessTokenTtlSeconds);
    this.current = new SigningKeyRing(keys.map((key) => key.privateJwk));
    this.logger.log(`Signing with ${this.current.currentKid}; publishing ${keys.map((key) => `${key.kid} (${key.state})`).join(', ')}`);
  }
}
