import { Injectable } from '@nestjs/common';
import { type CredentialHolder, RegistrantCredentials } from './registrant-credentials.service.js';
import { LoginThrottle, type LoginOutcome } from './login-throttle.service.js';

/**
 * The one password check every password login shares (the registrant
 * endpoint, the password grant): admitted by the throttle before any hashing
 * (ThrottledError when refused), the same work and the same answer whether
 * or not the username exists, and settled exactly once however it ends.
 */
@Injectable()
export class PasswordCheck {
  constructor(
    private readonly credentials: RegistrantCredentials,
    private readonly throttle: LoginThrottle,
  ) {}

  /**
   * The active person these credentials belong to, or null. `accept` may
   * refuse her for the caller's own reasons (a client serves only its own
   * people): that counts as a failed attempt, so it cannot be told apart
   * from a wrong password.
   */
  async check(username: string, password: string, address: string, accept: (person: CredentialHolder['entity']) => Promise<boolean> = async () => true): Promise<CredentialHolder['entity'] | null> {
    const ticket = await this.throttle.admit(username, address);
    // Without a verdict (a full hash queue, a database error) the attempt is released, not counted.
    // Should settling fail, its error answers instead of the verdict: no verdict leaves uncounted.
    let outcome: LoginOutcome = 'released';
    try {
      const holder = await this.credentials.find(username);
      const verified = holder === null
        ? await this.credentials.hasher.verifyNothing(password)
        : await this.credentials.hasher.verify(holder.passwordHash, password);
      const person = verified && holder !== null && holder.entity.type === 'person' && holder.entity.status === 'active' && (await accept(holder.entity)) ? holder.entity : null;
      outcome = person === null ? 'failure' : 'success';
      return person;
    } finally {
      await this.throttle.settle(ticket, outcome);
    }
  }
}
