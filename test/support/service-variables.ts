import { readdirSync, readFileSync } from 'node:fs';

/**
 * The environment variables the service reads, taken from the code that reads
 * them (every file of src/config: `value('…')`, `integer('…', …)` and
 * `env.NAME`) rather than from docs/configuration.md's table: a manifest that
 * sets a variable the code no longer reads fails here even when the docs
 * still list it.
 */
export function serviceVariables(): Set<string> {
  const folder = new URL('../../src/config/', import.meta.url);
  const source = readdirSync(folder).filter((name) => name.endsWith('.ts')).map((name) => readFileSync(new URL(name, folder), 'utf8')).join('\n');
  const names = [...source.matchAll(/\b(?:value|integer)\('([A-Z][A-Z0-9_]*)'/g), ...source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]);
  return new Set(names);
}

/** The variables that hold secrets: they come from a Secret, never from a literal. */
export const SECRET_VARIABLES = ['DATABASE_URL', 'TOKEN_SECRET', 'TOKEN_SECRETS_PREVIOUS', 'SIGNING_KEYS', 'BOOTSTRAP_OPERATOR_CLIENT_ID', 'BOOTSTRAP_OPERATOR_PUBLIC_KEY'];
