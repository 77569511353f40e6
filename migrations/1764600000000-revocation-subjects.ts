import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bounded revocations: each revoked token records its subject (`client:<uuid>`
 * or `entity:<id>`), so one subject's revocations can be counted and, beyond
 * its budget, replaced by one cut-off in `revoked_subjects`; `revoked_at` is
 * indexed for the replicas' incremental syncs.
 */
export class RevocationSubjects1764600000000 implements MigrationInterface {
  name = 'RevocationSubjects1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "revoked_tokens" ADD "subject" text`);
    await queryRunner.query(`CREATE INDEX "revoked_tokens_subject_idx" ON "revoked_tokens" ("subject")`);
    await queryRunner.query(`CREATE INDEX "revoked_tokens_revoked_at_idx" ON "revoked_tokens" ("revoked_at")`);
    await queryRunner.query(`
      CREATE TABLE "revoked_subjects" (
        "subject" text NOT NULL,
        "cutoff" TIMESTAMP WITH TIME ZONE NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "revoked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "revoked_subjects_pkey" PRIMARY KEY ("subject")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "revoked_subjects"');
    await queryRunner.query('DROP INDEX "revoked_tokens_revoked_at_idx"');
    await queryRunner.query('DROP INDEX "revoked_tokens_subject_idx"');
    await queryRunner.query('ALTER TABLE "revoked_tokens" DROP COLUMN "subject"');
  }
}
