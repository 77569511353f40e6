import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ProblemError } from '../common/protocol-errors.js';
import { validateEntityBusinessId, validatePartyBusinessId, type EntityType } from '../crypto/business-id.js';
import { parsePublicKey, PublicKeyError } from '../crypto/public-key.js';
import { ScopeSet, ScopeSyntaxError } from '../crypto/scope.js';
import { DirectoryConflictError, DirectoryService } from '../directory/directory.service.js';
import { clientView, entityView, membershipView, partyView } from '../directory/views.js';
import type { Principal } from '../tokens/access-token.js';
import { isOperator } from '../tokens/operator.js';
import type { CreateEntityClientDto, CreateEntityDto, CreatePartyDto, CreatePartyMembershipDto, SetCredentialsDto } from './admin.dto.js';
import { isValidEmailId } from '../crypto/business-id.js';
import { RegistrantCredentials, UsernameTakenError } from '../registrant/registrant-credentials.service.js';
import { normalizeUsername } from '../registrant/username.js';

/** The admin API's rules: who may call it, and what makes a valid directory object. */
@Injectable()
export class AdminService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: DirectoryService,
    private readonly credentials: RegistrantCredentials,
  ) {}

  /** Creating directory objects is the operator's alone (the admin issue widens this for clients). */
  assertOperator(principal: Principal): void {
    if (!isOperator(principal)) throw ProblemError.forbidden('Only the operator may do this');
  }

  async createEntity(principal: Principal, input: CreateEntityDto) {
    this.assertOperator(principal);
    const businessId = normalizeBusinessId(input.business_id_type, input.business_id);
    const problem = validateEntityBusinessId(input.type as EntityType, input.business_id_type, businessId);
    if (problem !== null) throw ProblemError.validation({ business_id: [problem] });
    const entity = await conflictsAs('An entity with this business id and business id type exists', () =>
      this.directory.createEntity({ name: input.name.trim(), type: input.type, businessId, businessIdType: input.business_id_type, recordedBy: principal.entityId }),
    );
    return entityView(entity, this.config.timeZone);
  }

  async createParty(principal: Principal, input: CreatePartyDto) {
    this.assertOperator(principal);
    const businessId = normalizeBusinessId(input.business_id_type, input.business_id);
    const problem = validatePartyBusinessId(input.business_id_type, businessId);
    if (problem !== null) throw ProblemError.validation({ business_id: [problem] });
    if ((await this.directory.findEntity(input.entity_id)) === null) throw ProblemError.validation({ entity_id: ['No such entity'] });
    const party = await conflictsAs('A party with this business id and type exists', () =>
      this.directory.createParty({ entityId: input.entity_id, name: input.name.trim(), type: input.type, businessId, businessIdType: input.business_id_type, recordedBy: principal.entityId }),
    );
    return partyView(party, this.config.timeZone);
  }

  async createMembership(principal: Principal, input: CreatePartyMembershipDto) {
    this.assertOperator(principal);
    const scopes = parseScopes(input.scopes);
    const [entity, party] = await Promise.all([this.directory.findEntity(input.entity_id), this.directory.findParty(input.party_id)]);
    const problems: Record<string, string[]> = {};
    if (entity === null) problems.entity_id = ['No such entity'];
    if (party === null) problems.party_id = ['No such party'];
    else if (party.entityId === input.entity_id) problems.party_id = ['The entity owns this party; owners need no membership'];
    if (Object.keys(problems).length > 0) throw ProblemError.validation(problems);
    const membership = await conflictsAs('This entity is a member of this party already', () =>
      this.directory.createMembership({ entityId: input.entity_id, partyId: input.party_id, scopes: scopes.toArray(), recordedBy: principal.entityId }),
    );
    return membershipView(membership, this.config.timeZone);
  }

  async createClient(principal: Principal, input: CreateEntityClientDto) {
    this.assertOperator(principal);
    const scopes = parseScopes(input.scopes);
    const key = parseKey(input.public_key);
    if ((await this.directory.findEntity(input.entity_id)) === null) throw ProblemError.validation({ entity_id: ['No such entity'] });
    const partyId = input.party_id ?? null;
    if (partyId !== null && !(await this.directory.isOwnerOrMember(input.entity_id, partyId))) {
      throw ProblemError.validation({ party_id: ['The entity neither owns this party nor is a member of it'] });
    }
    const { client, keys } = await conflictsAs('This key is registered already', () =>
      this.directory.createClient({ clientId: randomUUID(), entityId: input.entity_id, name: input.name.trim(), scopes: scopes.toArray(), partyId, recordedBy: principal.entityId }, [key]),
    );
    return clientView(client, keys, this.config.timeZone);
  }

  /** A person's username (its e-mail) and password for registrant login. */
  async setCredentials(principal: Principal, entityIdText: string, input: SetCredentialsDto): Promise<void> {
    this.assertOperator(principal);
    const entity = /^[1-9][0-9]{0,9}$/.test(entityIdText) && Number(entityIdText) <= 2_147_483_647 ? await this.directory.findEntity(Number(entityIdText)) : null;
    if (entity === null) throw ProblemError.notFound('No such entity');
    const problems: Record<string, string[]> = {};
    if (entity.type !== 'person') problems.entity = ['Only person entities have credentials'];
    if (!isValidEmailId(normalizeUsername(input.username))) problems.username = ['must be an e-mail address'];
    if ([...input.password].length < MIN_PASSWORD_LENGTH) problems.password = [`must be at least ${MIN_PASSWORD_LENGTH} characters`];
    if (Object.keys(problems).length > 0) throw ProblemError.validation(problems);
    try {
      await this.credentials.set(entity.id, input.username, input.password);
    } catch (error) {
      if (error instanceof UsernameTakenError) throw ProblemError.conflict('This username belongs to another person');
      throw error;
    }
  }
}

export const MIN_PASSWORD_LENGTH = 12;

/** Ids that have one canonical spelling are stored in it. */
function normalizeBusinessId(type: string, id: string): string {
  return type === 'uuid' ? id.trim().toLowerCase() : id.trim();
}

function parseScopes(list: readonly string[]): ScopeSet {
  try {
    const scopes = ScopeSet.fromArray(list);
    if (scopes.isEmpty) throw ProblemError.validation({ scopes: ['At least one scope is required'] });
    return scopes;
  } catch (error) {
    if (error instanceof ScopeSyntaxError) throw ProblemError.validation({ scopes: [`"${String(error.scope).slice(0, 64)}" is not a scope of the form <read|use|manage>:<auth|data|registrant>[:resource...]`] });
    throw error;
  }
}

function parseKey(input: unknown) {
  try {
    return parsePublicKey(input);
  } catch (error) {
    if (error instanceof PublicKeyError) throw ProblemError.validation({ public_key: [error.message] });
    throw error;
  }
}

async function conflictsAs<T>(detail: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof DirectoryConflictError) throw ProblemError.conflict(detail);
    throw error;
  }
}
