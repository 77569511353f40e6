import { ProblemError } from '../common/protocol-errors.js';
import { ScopeSet, ScopeSyntaxError } from '../model/scope.js';
import { parsePublicKey, PublicKeyError, type RegisteredPublicKey } from '../crypto/public-key.js';
import { DirectoryConflictError } from '../directory/directory-store.js';

/** Shared input rules of the admin services, each failing as a 422 on its field. */

export function parseScopes(list: readonly string[], field = 'scopes'): ScopeSet {
  try {
    const scopes = ScopeSet.fromArray(list);
    if (scopes.isEmpty) throw ProblemError.validation({ [field]: ['At least one scope is required'] });
    return scopes;
  } catch (error) {
    if (error instanceof ScopeSyntaxError) {
      throw ProblemError.validation({
        [field]: [error.reason === 'too_many' ? 'At most 64 scopes' : `"${String(error.scope).slice(0, 64)}" is not a scope of the form <read|use|manage>:<auth|data|registrant>[:resource...]`],
      });
    }
    throw error;
  }
}

export function parseKey(input: unknown): RegisteredPublicKey {
  try {
    return parsePublicKey(input);
  } catch (error) {
    if (error instanceof PublicKeyError) throw ProblemError.validation({ public_key: [error.message] });
    throw error;
  }
}

/** Ids in paths: a positive 32-bit integer, or the object does not exist. */
export function pathId(text: string, what: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(text) || Number(text) > 2_147_483_647) throw ProblemError.notFound(`No such ${what}`);
  return Number(text);
}

export async function conflictsAs<T>(detail: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof DirectoryConflictError) throw ProblemError.conflict(detail);
    throw error;
  }
}

/** Ids that have one canonical spelling are stored in it. */
export function normalizeBusinessId(type: string, id: string): string {
  return type === 'uuid' ? id.trim().toLowerCase() : id.trim();
}

/** The fields of `after` that differ from `before`, as {before, after}. */
export function changes<T extends Record<string, unknown>>(before: T, after: Partial<T>): { before: Partial<T>; after: Partial<T> } {
  const keys = (Object.keys(after) as (keyof T)[]).filter((key) => after[key] !== undefined && JSON.stringify(after[key]) !== JSON.stringify(before[key]));
  return {
    before: Object.fromEntries(keys.map((key) => [key, before[key]])) as Partial<T>,
    after: Object.fromEntries(keys.map((key) => [key, after[key]])) as Partial<T>,
  };
}
