import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { generateSigningJwk, SigningKeyRing } from '../crypto/signing-key-ring.js';
import { SigningKeyRecord } from './signing-key-record.js';

const KEY_GENERATION_LOCK = 724_150_002;

/**
 * Holds the issuer's signing key ring: from SIGNING_KEYS when set, otherwise
 * a key generated once and kept in the database, so every replica sharing
 * the database signs with, and publishes, the same key.
 */
@Injectable()
export class SigningKeys implements OnModuleInit {
  private readonly logger = new Logger('SigningKeys');
  private current: SigningKeyRing | undefined;

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
      this.logger.warn('SIGNING_KEYS is not set: using a signing key generated and kept in the database');
    }
    this.current = new SigningKeyRing(await this.loadOrGenerate());
  }

  private async loadOrGenerate(): Promise<Record<string, unknown>[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [KEY_GENERATION_LOCK]);
      const repository = manager.getRepository(SigningKeyRecord);
      const stored = await repository.find({ order: { createdAt: 'DESC' } });
      if (stored.length > 0) return stored.map((record) => record.privateJwk);
      const jwk = generateSigningJwk();
      await repository.save(repository.create({ kid: jwk.kid as string, privateJwk: jwk }));
      this.logger.log(`Generated signing key ${jwk.kid as string}`);
      return [jwk];
    });
  }
}
