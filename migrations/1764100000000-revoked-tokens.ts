import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The deny-list of revoked tokens (RFC 7009). */
export class RevokedTokens1764100000000 implements MigrationInterface {
  name = 'RevokedTokens1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "revoked_tokens" (
        "jti" text NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "revoked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "revoked_tokens_pkey" PRIMARY KEY ("jti")
      )`);
    await queryRunner.query(`CREATE INDEX "revoked_tokens_expires_at_idx" ON "revoked_tokens" ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "revoked_tokens"');
  }
}
