import type { DataSource } from 'typeorm';

// Arbitrary constant shared by every replica: only one runs migrations at a time.
const MIGRATION_LOCK = 724_150_001;

/** Applies pending migrations under a Postgres advisory lock; returns the names applied. */
export async function migrateDatabase(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    await runner.release();
  }
}
