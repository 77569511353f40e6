import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['entities', 'parties', 'party_memberships', 'entity_clients', 'entity_client_keys'];

/**
 * Any change to a directory table, by the service or by hand, NOTIFYs
 * `directory_changed` when it commits, so every replica drops its caches.
 * Statement-level: one notification per statement, not per row.
 */
export class DirectoryChangeNotifications1764300000000 implements MigrationInterface {
  name = 'DirectoryChangeNotifications1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION notify_directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('directory_changed', TG_TABLE_NAME);
        RETURN NULL;
      END $$`);
    for (const table of TABLES) {
      await queryRunner.query(`CREATE TRIGGER "${table}_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_changed()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) await queryRunner.query(`DROP TRIGGER "${table}_changed" ON "${table}"`);
    await queryRunner.query('DROP FUNCTION notify_directory_changed()');
  }
}
