import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ProblemError } from '../common/protocol-errors.js';
import { ScopeSet } from '../model/scope.js';
import { DirectoryStore } from '../directory/directory-store.js';
import { PartyLookup } from '../directory/lookups.js';
import { RegistrantCredentials } from '../registrant/registrant-credentials.service.js';
import type { Principal } from '../tokens/principal.js';

/**
 * Who may do what in the admin API, decided here and nowhere else. The
 * principal arrives narrowed to its live standing (AccessTokenGuard), so a
 * deactivated client, entity or party, or an ended membership, has no power
 * here whatever its token says.
 * - the operator (a token acting for the operator party, the bootstrap's)
 *   manages everything;
 * - a company admin (a token acting for entity E's own `organisation`
 *   party) manages E's clients, reads E, its parties and E's part of the
 *   audit trail; it may never hand a client, or gain through one, scopes
 *   its own token lacks; and it may set the login only of a person whose
 *   every right lies within E (see assertCanSetCredentialsOf);
 * - anyone else gets 403. Every caller's token must cover manage:auth (the
 *   controllers' RequireScope).
 */
export type AdminActor =
  | { readonly kind: 'operator'; readonly principal: Principal }
  | { readonly kind: 'company'; readonly principal: Principal; readonly entityId: number };

@Injectable()
export class AdminPolicy {
  // Only what the rules read, so a unit test can hand in fakes.
  constructor(
    @Inject(DirectoryStore) private readonly store: Pick<DirectoryStore, 'rightsOf'>,
    private readonly parties: PartyLookup,
    @Inject(RegistrantCredentials) private readonly credentials: Pick<RegistrantCredentials, 'custodyOf'>,
  ) {}

  async actorOf(principal: Principal): Promise<AdminActor> {
    if (principal.kind !== 'access_token' || principal.partyId === undefined) throw forbidden();
    if (principal.partyId === (await this.parties.operatorPartyId())) return { kind: 'operator', principal };
    const party = await this.parties.findParty(principal.partyId);
    if (party !== null && party.type === 'organisation' && party.status === 'active') return { kind: 'company', principal, entityId: party.entityId };
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

  /**
   * Adding a key to a client, reactivating it or changing its party hands
   * its whole power to whoever holds the new key: a company admin may do it
   * only when its own token covers every scope the client holds (otherwise
   * an admin with manage:auth could key its entity's eID client and mint
   * registrant tokens for anyone).
   */
  assertMayEmpower(actor: AdminActor, clientScopes: readonly string[]): void {
    if (actor.kind === 'company' && !actor.principal.scope.coversAll(ScopeSet.fromArray(clientScopes))) {
      throw ProblemError.forbidden('This client holds scopes beyond your own token: only an admin holding all of them may add its keys, reactivate it or change its party');
    }
  }

  /**
   * Setting or replacing a person's password login. The operator may for
   * anyone. A company admin of E may only for a person whose every right
   * lies within E: she owns no party, and each party she is a member of is
   * E's (at least one). The credentials are then in E's custody, and the
   * operator cannot give her rights elsewhere until they are replaced by the
   * operator (assertCustodyAllows): so no company admin ever knows a login
   * that reaches beyond its company. Call it in the transaction that writes,
   * after lockPerson, so a concurrent membership cannot slip in between.
   */
  async assertCanSetCredentialsOf(actor: AdminActor, personId: number, manager?: EntityManager): Promise<void> {
    if (actor.kind === 'operator') return;
    const rights = await this.store.rightsOf(personId, manager);
    const exclusive = !rights.ownsParties && rights.memberOfPartiesOf.length > 0 && rights.memberOfPartiesOf.every((owner) => owner === actor.entityId);
    if (!exclusive) throw forbidden();
  }

  /**
   * Before the operator gives `entityId` a right in `ownerEntityId`'s world
   * (a membership in its party, or a party of its own): refused while a
   * company other than that owner holds the custody of her login. Call it
   * in the writing transaction after lockPerson.
   */
  async assertCustodyAllows(entityId: number, ownerEntityId: number, manager: EntityManager): Promise<void> {
    const custody = await this.credentials.custodyOf(entityId, manager);
    if (custody !== null && custody !== ownerEntityId) {
      throw ProblemError.conflict(
        "This person's login was set by a company admin; replace her credentials as the operator first, so that no company admin knows a login with rights beyond its own company",
      );
    }
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
