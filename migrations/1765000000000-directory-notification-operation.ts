import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The directory notification names the operation too ('entities INSERT'),
 * so a replica can tell a change that cannot alter any cached answer (a new
 * entity: nothing refers to it yet) from one that can. Without it, every
 * first eID login emptied every replica's caches.
 */
export class DirectoryNotificationOperation1765000000000 implements MigrationInterface {
  name = 'DirectoryNotificationOperation1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION notify_directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('directory_changed', TG_TABLE_NAME || ' ' || TG_OP);
        RETURN NULL;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION notify_directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('directory_changed', TG_TABLE_NAME);
        RETURN NULL;
      END $$`);
  }
}
