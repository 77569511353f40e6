import { Injectable } from '@nestjs/common';
import { ProblemError } from '../common/protocol-errors.js';
import { AuditTrail } from '../audit/audit-trail.service.js';
import { DirectoryStore } from '../directory/directory-store.js';
import { EntityLookup } from '../directory/lookups.js';
import { isValidEmailId } from '../model/business-id.js';
import { passwordProblems } from '../registrant/password-policy.js';
import { RegistrantCredentials, UsernameTakenError } from '../registrant/registrant-credentials.service.js';
import { normalizeUsername } from '../registrant/username.js';
import type { Principal } from '../tokens/principal.js';
import { pathId } from './admin-input.js';
import { AdminPolicy } from './admin-policy.js';
import type { SetCredentialsDto } from './admin.dto.js';

/** Persons' password logins: the operator's for anyone, a company admin's only for persons wholly within its company. */
@Injectable()
export class CredentialsAdminService {
  constructor(
    private readonly store: DirectoryStore,
    private readonly entities: EntityLookup,
    private readonly policy: AdminPolicy,
    private readonly audit: AuditTrail,
    private readonly credentials: RegistrantCredentials,
  ) {}

  /**
   * A person's username (its e-mail) and password; hashed before the
   * transaction, which stays short. Replacing existing credentials must be
   * asked for (`replace: true`) and is audited as such. Who may: AdminPolicy.
   */
  async setCredentials(principal: Principal, entityIdText: string, input: SetCredentialsDto): Promise<void> {
    const actor = await this.policy.actorOf(principal);
    const entityId = pathId(entityIdText, 'entity');
    // Decided before the entity is read, so a company admin cannot probe other ids; decided again under the lock.
    await this.policy.assertCanSetCredentialsOf(actor, entityId);
    const entity = await this.entities.findEntity(entityId);
    if (entity === null) throw ProblemError.notFound('No such entity');
    const problems: Record<string, string[]> = {};
    if (entity.type !== 'person') problems.entity = ['Only person entities have credentials'];
    const username = normalizeUsername(input.username);
    if (!isValidEmailId(username)) problems.username = ['must be an e-mail address'];
    const passwordIssues = passwordProblems(input.password);
    if (passwordIssues.length > 0) problems.password = passwordIssues;
    if (Object.keys(problems).length > 0) throw ProblemError.validation(problems);
    const passwordHash = await this.credentials.hasher.hash(input.password);
    const custody = actor.kind === 'company' ? actor.entityId : null;
    try {
      await this.audit.audited(principal, async (tx) => {
        await this.store.lockEntity(entity.id, tx);
        await this.policy.assertCanSetCredentialsOf(actor, entity.id, tx);
        const existing = await this.credentials.ofEntity(entity.id, tx);
        if (existing !== null && input.replace !== true) {
          throw ProblemError.conflict('This person has credentials already: send "replace": true to replace them');
        }
        await this.credentials.set(entity.id, username, passwordHash, custody, tx);
        const after = { username, managed_by_entity_id: custody };
        return {
          result: undefined,
          change: existing === null
            ? { action: 'credentials.set', targetType: 'entity', targetId: entity.id, entityId: entity.id, diff: { after } }
            : { action: 'credentials.replace', targetType: 'entity', targetId: entity.id, entityId: entity.id, diff: { before: { username: existing.username, managed_by_entity_id: existing.managedByEntityId }, after } },
        };
      });
    } catch (error) {
      if (error instanceof UsernameTakenError) throw ProblemError.conflict('This username belongs to another person');
      throw error;
    }
  }
}
