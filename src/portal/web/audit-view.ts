import { PORTAL_CLIENT_ID } from '../../contract/urns.js';
import { api, type AuditEvent, type Page } from './api.js';
import type { ViewContext } from './view-context.js';
import { h, table } from './dom.js';
import { session } from './session.js';

/** The audit trail: everything for the operator, the company's own changes for a company admin. */
export async function auditView(context: ViewContext): Promise<void> {
  const acting = session.acting!;
  const only = session.isOperator ? '' : `&entity_id=${acting.party.entity_id}`;
  const events = await api.get<Page<AuditEvent>>(acting.token, `/admin/audit-events?per_page=100${only}`);
  context.page(
    'Audit trail',
    h('p', {}, `The ${events.items.length} most recent of ${events.total} changes, newest first.`),
    table(
      'Changes',
      ['When', 'Action', 'Target', 'By entity', 'Acting for party', 'With client'],
      events.items.map((event) => [
        h('time', { datetime: event.occurred_at }, new Date(event.occurred_at).toLocaleString()),
        event.action,
        `${event.target.type} ${event.target.id}`,
        `#${event.actor.entity_id}`,
        event.actor.party_id === null ? '' : `#${event.actor.party_id}`,
        event.actor.client_id === PORTAL_CLIENT_ID ? 'the portal' : event.actor.client_id ?? 'a person (token exchange)',
      ]),
    ),
  );
}
