import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail.service.js';
import { ensureOperatorParty, OPERATOR_SCOPES } from '../admin/operator-bootstrap.service.js';
import { RegistrantError } from '../common/protocol-errors.js';
import { ThrottledError } from '../common/throttled-error.js';
import type { OperatorSetupResponse, SetupLinkView } from '../contract/wire.js';
import { DirectoryConflictError, DirectoryStore } from '../directory/directory-store.js';
import { LoginThrottle, type LoginOutcome, type LoginTicket } from '../registrant/login-throttle.service.js';
import { RegistrantCredentials, UsernameTakenError } from '../registrant/registrant-credentials.service.js';
import { normalizeUsername } from '../registrant/username.js';
import { OperatorSetupDto, SetupLinkDto, validated } from './operator-setup.dto.js';
import { hasOperatorPerson } from './operator-person.js';
import { type SetupLink, SetupLinks } from './setup-links.js';

const UNKNOWN_LINK = 'This setup link is unknown, used or expired. Restart the service for a new one, or run: npm run operator -- create <e-mail>';
const EMAIL_TAKEN = 'belongs to an existing account: choose another e-mail, or ask an operator to give that account a membership of the operator party';

/**
 * What the portal's setup page asks of a setup link: whom it is for, and to
 * make the operator person with it. A code is checked under the password
 * logins' throttle (LoginThrottle), keyed by the caller's address, so that
 * guessing codes online stops as guessing passwords does; a check that
 * finds no link counts as a failure. Making her is one transaction: the link
 * used (once), the person entity (business id type email), her membership
 * of the operator party with the operator's scopes, her password login and
 * an audit row; a refusal stores none of them and leaves the link unused.
 */
@Injectable()
export class OperatorSetupService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly links: SetupLinks,
    private readonly store: DirectoryStore,
    private readonly credentials: RegistrantCredentials,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditTrail,
  ) {}

  async inspect(body: unknown, address: string): Promise<SetupLinkView> {
    const { code } = validated(SetupLinkDto, body);
    const link = await this.checked(code, address);
    return { email: link.email, expires_at: link.expiresAt.toISOString() };
  }

  async create(body: unknown, address: string): Promise<OperatorSetupResponse> {
    const input = validated(OperatorSetupDto, body);
    const email = normalizeUsername(input.email);
    const name = input.name.trim();
    const link = await this.checked(input.code, address);
    if (link.email !== null && link.email !== email) throw RegistrantError.invalid({ email: [`must be ${link.email}, the e-mail this setup link was made for`] });
    // Hashed before the transaction, which stays short; only for a code that was good a moment ago.
    const passwordHash = await this.credentials.hasher.hash(input.password);
    try {
      return await this.store.transaction(async (tx) => {
        const party = await ensureOperatorParty(this.store, tx); // and the lock: setups, starts and the bootstrap one at a time
        const used = await this.links.use(tx, input.code);
        if (used === null) throw RegistrantError.http(404, UNKNOWN_LINK);
        if (used.email === null && (await hasOperatorPerson(tx))) {
          throw RegistrantError.http(409, 'The operator exists already: ask her to make you an operator, or run: npm run operator -- create <e-mail>');
        }
        const person = await this.store.createEntity({ name, type: 'person', businessId: email, businessIdType: 'email', recordedBy: 0 }, tx);
        const scopes = OPERATOR_SCOPES.toArray();
        await this.store.createMembership({ entityId: person.id, partyId: party.id, scopes, recordedBy: 0 }, tx);
        await this.credentials.set(person.id, email, passwordHash, null, tx);
        await this.audit.record(tx, { entityId: person.id, partyId: party.id }, {
          action: 'operator.setup', targetType: 'entity', targetId: person.id, entityId: person.id,
          diff: { after: { name, username: email, party_id: party.id, scopes, link: used.email === null ? 'start' : 'npm run operator' } },
        });
        return { entity_id: person.id, party_id: party.id, username: email };
      });
    } catch (error) {
      if (error instanceof DirectoryConflictError || error instanceof UsernameTakenError) throw RegistrantError.invalid({ email: [EMAIL_TAKEN] });
      throw error;
    }
  }

  /** The link behind `code`, admitted and settled by the throttle like a password: a 404 when there is none, a 429 while locked. */
  private async checked(code: string, address: string): Promise<SetupLink> {
    let ticket: LoginTicket;
    try {
      // A throttle "username" of its own per address: no one key that every caller shares, so none can lock the operator out from elsewhere.
      ticket = await this.throttle.admit(`setup:${address}`, address);
    } catch (error) {
      if (error instanceof ThrottledError) throw RegistrantError.throttled(error.retryAfterSeconds, 'Too many wrong setup links from this address; try again later');
      throw error;
    }
    let outcome: LoginOutcome = 'released';
    try {
      const link = await this.links.find(this.dataSource.manager, code);
      outcome = link === null ? 'failure' : 'success';
      if (link === null) throw RegistrantError.http(404, UNKNOWN_LINK);
      return link;
    } finally {
      await this.throttle.settle(ticket, outcome);
    }
  }
}
