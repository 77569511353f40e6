import { Foundation1763800000000 } from './1763800000000-foundation.js';

/** Every migration, in order. TypeORM runs those not yet recorded in the `migrations` table. */
export const MIGRATIONS = [Foundation1763800000000];
