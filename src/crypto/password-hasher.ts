import { hash, verify } from '@node-rs/argon2';
import { ConcurrencyLimit, QueueFullError } from '../common/concurrency-limit.js';

// OWASP's argon2id parameters: m = 19 MiB, t = 2, p = 1 (~117 hashes/s per core here).
const ARGON2ID = 2; // Algorithm.Argon2id; a const enum cannot be imported under isolatedModules
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Longest password hashed; longer ones are refused before any work is done. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * argon2id hashing, with a dummy verification so an unknown user costs what a
 * known one does. At most `concurrency` hashes run at once; the rest queue.
 * Each takes 19 MiB and a core, so running more than the cores can take only
 * adds memory and evicts each other's blocks from the CPU caches. At most
 * `maxQueued` wait (by default what one slot hashes in about half a second,
 * room for a 64-connection burst per worker); beyond that hash and verify
 * reject with QueueFullError. A waiting login holds no memory to speak of.
 */
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;
  private readonly limit: ConcurrencyLimit;

  constructor(concurrency = 1, maxQueued = 64 * concurrency) {
    this.limit = new ConcurrencyLimit(concurrency, maxQueued);
  }

  hash(password: string): Promise<string> {
    return this.limit.run(() => hash(password, OPTIONS));
  }

  /** False for a wrong password, a malformed hash or any error but QueueFullError: a full queue is no wrong password. */
  async verify(storedHash: string, password: string): Promise<boolean> {
    try {
      return await this.limit.run(() => verify(storedHash, password));
    } catch (error) {
      if (error instanceof QueueFullError) throw error;
      return false;
    }
  }

  /** Spends one verification's time and returns false: used when the username is unknown. */
  async verifyNothing(password: string): Promise<false> {
    // Forgotten when it fails (a full queue), so that a later call tries again.
    this.dummyHash ??= this.hash('dummy password that no account has').catch((error: unknown) => {
      this.dummyHash = undefined;
      throw error;
    });
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
