import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Private signing JWKs are kept sealed with TOKEN_SECRET (SigningKeySealer). Rows from before stay in
 * clear until the service's next start seals them, so each row holds exactly one of the two.
 */
export class SealedSigningKeys1764500000000 implements MigrationInterface {
  name = 'SealedSigningKeys1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "signing_keys" ADD "sealed_private_jwk" text');
    await queryRunner.query('ALTER TABLE "signing_keys" ALTER COLUMN "private_jwk" DROP NOT NULL');
    await queryRunner.query(`ALTER TABLE "signing_keys" ADD CONSTRAINT "signing_keys_private_jwk_check" CHECK (num_nonnulls("private_jwk", "sealed_private_jwk") = 1)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // A migration has no TOKEN_SECRET to unseal with: sealed keys are dropped, and the service
    // generates a new one (tokens they signed stop verifying).
    await queryRunner.query('DELETE FROM "signing_keys" WHERE "private_jwk" IS NULL');
    await queryRunner.query('ALTER TABLE "signing_keys" DROP CONSTRAINT "signing_keys_private_jwk_check"');
    await queryRunner.query('ALTER TABLE "signing_keys" ALTER COLUMN "private_jwk" SET NOT NULL');
    await queryRunner.query('ALTER TABLE "signing_keys" DROP COLUMN "sealed_private_jwk"');
  }
}
