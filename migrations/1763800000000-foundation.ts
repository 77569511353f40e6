import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Directory tables, the assertion replay store and the generated signing key. */
export class Foundation1763800000000 implements MigrationInterface {
  name = 'Foundation1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "entities" (
        "id" SERIAL NOT NULL,
        "eid" uuid NOT NULL,
        "name" text NOT NULL,
        "type" text NOT NULL,
        "business_id" text NOT NULL,
        "business_id_type" text NOT NULL,
        "status" text NOT NULL DEFAULT 'active',
        "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "recorded_by" integer NOT NULL DEFAULT '0',
        CONSTRAINT "entities_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "entities_eid_key" UNIQUE ("eid"),
        CONSTRAINT "entities_business_id_key" UNIQUE ("business_id", "business_id_type"),
        CONSTRAINT "entities_type_check" CHECK ("type" IN ('organisation', 'person')),
        CONSTRAINT "entities_business_id_type_check" CHECK ("business_id_type" IN ('org', 'email', 'pid', 'uuid')),
        CONSTRAINT "entities_status_check" CHECK ("status" IN ('active', 'inactive'))
      )`);
    await queryRunner.query(`
      CREATE TABLE "parties" (
        "id" SERIAL NOT NULL,
        "entity_id" integer NOT NULL,
        "name" text NOT NULL,
        "type" text NOT NULL,
        "business_id" text NOT NULL,
        "business_id_type" text NOT NULL,
        "status" text NOT NULL DEFAULT 'active',
        "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "recorded_by" integer NOT NULL DEFAULT '0',
        CONSTRAINT "parties_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "parties_business_id_type_key" UNIQUE ("business_id", "type"),
        CONSTRAINT "parties_business_id_type_check" CHECK ("business_id_type" IN ('gln', 'org', 'eic_x', 'uuid')),
        CONSTRAINT "parties_status_check" CHECK ("status" IN ('active', 'inactive')),
        CONSTRAINT "parties_entity_id_fkey" FOREIGN KEY ("entity_id") REFERENCES "entities"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "parties_entity_id_idx" ON "parties" ("entity_id")`);
    await queryRunner.query(`
      CREATE TABLE "party_memberships" (
        "id" SERIAL NOT NULL,
        "entity_id" integer NOT NULL,
        "party_id" integer NOT NULL,
        "scopes" text array NOT NULL,
        "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "recorded_by" integer NOT NULL DEFAULT '0',
        CONSTRAINT "party_memberships_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "party_memberships_entity_party_key" UNIQUE ("entity_id", "party_id"),
        CONSTRAINT "party_memberships_entity_id_fkey" FOREIGN KEY ("entity_id") REFERENCES "entities"("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "party_memberships_party_id_fkey" FOREIGN KEY ("party_id") REFERENCES "parties"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "party_memberships_party_id_idx" ON "party_memberships" ("party_id")`);
    await queryRunner.query(`
      CREATE TABLE "entity_clients" (
        "client_id" uuid NOT NULL,
        "entity_id" integer NOT NULL,
        "name" text NOT NULL,
        "scopes" text array NOT NULL,
        "party_id" integer,
        "active" boolean NOT NULL DEFAULT true,
        "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "recorded_by" integer NOT NULL DEFAULT '0',
        CONSTRAINT "entity_clients_pkey" PRIMARY KEY ("client_id"),
        CONSTRAINT "entity_clients_entity_id_fkey" FOREIGN KEY ("entity_id") REFERENCES "entities"("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "entity_clients_party_id_fkey" FOREIGN KEY ("party_id") REFERENCES "parties"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "entity_clients_entity_id_idx" ON "entity_clients" ("entity_id")`);
    await queryRunner.query(`
      CREATE TABLE "entity_client_keys" (
        "client_id" uuid NOT NULL,
        "kid" text NOT NULL,
        "jwk" jsonb NOT NULL,
        "thumbprint" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "entity_client_keys_pkey" PRIMARY KEY ("client_id", "kid"),
        CONSTRAINT "entity_client_keys_thumbprint_key" UNIQUE ("client_id", "thumbprint"),
        CONSTRAINT "entity_client_keys_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "entity_clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`
      CREATE TABLE "used_assertions" (
        "client_id" uuid NOT NULL,
        "jti" text NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "used_assertions_pkey" PRIMARY KEY ("client_id", "jti")
      )`);
    await queryRunner.query(`CREATE INDEX "used_assertions_expires_at_idx" ON "used_assertions" ("expires_at")`);
    await queryRunner.query(`
      CREATE TABLE "signing_keys" (
        "kid" text NOT NULL,
        "private_jwk" jsonb NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("kid")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['signing_keys', 'used_assertions', 'entity_client_keys', 'entity_clients', 'party_memberships', 'parties', 'entities']) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
