import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { GRANT_TYPE, PORTAL_CLIENT_ID } from '../contract/urns.js';
import { DirectoryStore } from '../directory/directory-store.js';
import { PartyLookup } from '../directory/lookups.js';

/** What a company admin may do through the portal is what her membership holds; the portal client caps nothing below that. */
const PORTAL_SCOPES = ['manage:auth', 'manage:data', 'manage:registrant'];

/**
 * The portal is a public OAuth client of this issuer (none + PKCE), owned by
 * the operator's organisation, its one redirect URI PUBLIC_URL/portal/. It
 * is registered at start-up (or on first need, when the operator appears
 * later) and follows PUBLIC_URL; an operator who deactivated it keeps it so.
 */
@Injectable()
export class PortalClient implements OnApplicationBootstrap {
  private readonly logger = new Logger('PortalClient');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: DirectoryStore,
    private readonly parties: PartyLookup,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!(await this.register())) this.logger.log('No operator yet: the portal client is registered once there is one');
  }

  /** Registers or updates the portal client; false while there is no operator to own it. */
  async register(): Promise<boolean> {
    const operatorParty = await this.parties.operatorPartyId();
    const party = operatorParty === null ? null : await this.parties.findParty(operatorParty);
    if (party === null) return false;
    const uri = `${this.config.publicUrl}/portal/`;
    // Written only when something differs: a write would make every replica drop its directory caches.
    // Through the store: this process's caches (which may hold 'no such client') are emptied at once.
    await this.store.transaction((tx) => tx.query(
      `INSERT INTO entity_clients (client_id, entity_id, name, scopes, grant_types, token_endpoint_auth_method, redirect_uris, post_logout_redirect_uris)
       VALUES ($1, $2, 'Portal', $3, $4, 'none', $5, $5)
       ON CONFLICT (client_id) DO UPDATE SET entity_id = EXCLUDED.entity_id, scopes = EXCLUDED.scopes, grant_types = EXCLUDED.grant_types,
         token_endpoint_auth_method = 'none', redirect_uris = EXCLUDED.redirect_uris, post_logout_redirect_uris = EXCLUDED.post_logout_redirect_uris
       WHERE (entity_clients.entity_id, entity_clients.scopes, entity_clients.grant_types, entity_clients.token_endpoint_auth_method, entity_clients.redirect_uris, entity_clients.post_logout_redirect_uris)
         IS DISTINCT FROM (EXCLUDED.entity_id, EXCLUDED.scopes, EXCLUDED.grant_types, 'none', EXCLUDED.redirect_uris, EXCLUDED.post_logout_redirect_uris)`,
      [PORTAL_CLIENT_ID, party.entityId, PORTAL_SCOPES, [GRANT_TYPE.authorizationCode], [uri]],
    ));
    return true;
  }
}
