/**
 * One spelling per username: Unicode NFKC, trimmed, lower case. Logins and
 * credential changes both go through this, so `Kari@X.test` and a
 * differently composed `kari@x.test` are the same account.
 */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}
