import { Injectable } from '@nestjs/common';
import { ProblemError } from '../common/protocol-errors.js';
import type { ScopeSet } from '../crypto/scope.js';
import { DirectoryService } from '../directory/directory.service.js';
import type { Principal } from '../tokens/access-token.js';
import { isOperator } from '../tokens/operator.js';

/**
 * Who may do what in the admin API, decided here and nowhere else:
 * - the operator (a token acting for a FIS operator party) manages everything;
 * - a company admin (a token acting for entity E's own `organisation` party)
 *   manages E's clients and the credentials of E's people (persons holding a
 *   membership in one of E's parties), reads E, its parties and E's part of
 *   the audit trail, and may not give a client scopes its own token lacks;
 * - anyone else gets 403. Every caller's token must cover manage:auth (the
 *   controllers' RequireScope).
 */
export type AdminActor =
  | { readonly kind: 'operator'; readonly principal: Principal }
  | { readonly kind: 'company'; readonly principal: Principal; readonly entityId: number };

@Injectable()
export class AdminPolicy {
  constructor(private readonly directory: DirectoryService) {}

  async actorOf(principal: Principal): Promise<AdminActor> {
    if (principal.kind !== 'access_token' || principal.partyId === undefined) throw forbidden();
    if (isOperator(principal)) return { kind: 'operator', principal };
    if (principal.role === 'flex_organisation') {
      const party = await this.directory.findParty(principal.partyId);
      if (party !== null && party.type === 'organisation' && party.status === 'active') return { kind: 'company', principal, entityId: party.entityId };
    }
    throw forbidden();
  }

  async operator(principal: Principal): Promise<AdminActor> {
    const actor = await this.actorOf(principal);
    if (actor.kind !== 'operator') throw forbidden();
    return actor;
  }

  /** Reading an entity or its parties: the operator, or the company itself. */
  assertCanRead(actor: AdminActor, entityId: number): void {
    if (actor.kind === 'company' && actor.entityId !== entityId) throw forbidden();
  }

  /** Managing an entity's clients. */
  assertCanManageClientsOf(actor: AdminActor, entityId: number): void {
    if (actor.kind === 'company' && actor.entityId !== entityId) throw forbidden();
  }

  /** A company admin may hand out only what its own token holds. */
  assertMayGrant(actor: AdminActor, scopes: ScopeSet): void {
    if (actor.kind === 'company' && !actor.principal.scope.coversAll(scopes)) {
      throw ProblemError.validation({ scopes: ['exceed the scopes of your own token'] });
    }
  }

  async assertCanSetCredentialsOf(actor: AdminActor, personId: number): Promise<void> {
    if (actor.kind === 'company' && !(await this.directory.isPersonOfEntity(personId, actor.entityId))) throw forbidden();
  }

  /** The entity whose objects a list may show: all (undefined) for the operator, its own for a company. */
  listScope(actor: AdminActor, requested: number | undefined): number | undefined {
    if (actor.kind === 'operator') return requested;
    if (requested !== undefined && requested !== actor.entityId) throw forbidden();
    return actor.entityId;
  }
}

function forbidden(): ProblemError {
  return ProblemError.forbidden('This token may not do this');
}
