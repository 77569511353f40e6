import type { Page } from './pages.js';

/** What an authorization step answers: a redirect (to a page of ours or to the application) or a page, with cookies to set. */
export type FlowOutcome =
  | { readonly kind: 'redirect'; readonly location: string; readonly cookies?: readonly string[] }
  | { readonly kind: 'page'; readonly page: Page; readonly cookies?: readonly string[] };

export const page = (value: Page, cookies?: readonly string[]): FlowOutcome => ({ kind: 'page', page: value, cookies });
export const redirect = (location: string, cookies?: readonly string[]): FlowOutcome => ({ kind: 'redirect', location, cookies });

/** `uri` with these parameters added to its query (a registered URI may carry one already). */
export function withParameters(uri: string, parameters: Readonly<Record<string, string | undefined>>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) query.append(name, value);
  return `${uri}${uri.includes('?') ? '&' : '?'}${query.toString()}`;
}
