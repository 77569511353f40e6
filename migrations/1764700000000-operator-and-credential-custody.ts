import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operator becomes one marked party (not any party of the FIS operator
 * type), and a person's credentials remember which company's admin set them
 * (NULL: the operator), so that no company admin keeps a login for a person
 * who later gains rights elsewhere.
 */
export class OperatorAndCredentialCustody1764700000000 implements MigrationInterface {
  name = 'OperatorAndCredentialCustody1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "parties" ADD "operator" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`CREATE UNIQUE INDEX "parties_operator_key" ON "parties" ("operator") WHERE "operator"`);
    // The bootstrap's signature: a FIS operator party whose business id is the id of a client fixed to it.
    await queryRunner.query(`
      UPDATE "parties" SET "operator" = true WHERE "id" = (
        SELECT p."id" FROM "parties" p JOIN "entity_clients" c ON c."party_id" = p."id" AND c."client_id"::text = p."business_id"
         WHERE p."type" = 'flexibility_information_system_operator' AND p."business_id_type" = 'uuid'
         ORDER BY p."id" LIMIT 1)`);

    await queryRunner.query(`ALTER TABLE "registrant_credentials" ADD "managed_by_entity_id" integer`);
    // Credentials set before this change: the company whose admin set them last, from the audit trail.
    await queryRunner.query(`
      UPDATE "registrant_credentials" c SET "managed_by_entity_id" = latest."company_id"
        FROM (SELECT DISTINCT ON (a."target_id") a."target_id", p."entity_id" AS "company_id", p."operator"
                FROM "audit_events" a JOIN "parties" p ON p."id" = a."actor_party_id"
               WHERE a."action" = 'credentials.set' AND a."target_type" = 'entity'
               ORDER BY a."target_id", a."id" DESC) latest
       WHERE latest."target_id" = c."entity_id"::text AND NOT latest."operator"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "registrant_credentials" DROP COLUMN "managed_by_entity_id"');
    await queryRunner.query('DROP INDEX "parties_operator_key"');
    await queryRunner.query('ALTER TABLE "parties" DROP COLUMN "operator"');
  }
}
