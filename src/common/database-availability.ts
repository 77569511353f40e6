/**
 * Whether an error means "the database cannot be reached right now" (as
 * opposed to a bad query): connection refused or reset, a connect or query
 * timeout, or Postgres' connection-exception and shutdown classes.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const candidates = [error, (error as { driverError?: unknown } | null)?.driverError];
  return candidates.some((candidate) => {
    if (candidate === null || typeof candidate !== 'object') return false;
    const { code, message } = candidate as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (/^08/.test(code) || ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'].includes(code))) return true;
    return typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Connection ended|connect ECONNREFUSED|Client has encountered a connection error/i.test(message);
  });
}
