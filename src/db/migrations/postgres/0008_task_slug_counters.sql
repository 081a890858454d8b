CREATE TABLE "task_slug_counters" (
	"organization_id" uuid NOT NULL,
	"base" text NOT NULL,
	"last_suffix" integer NOT NULL,
	CONSTRAINT "task_slug_counters_organization_id_base_pk" PRIMARY KEY("organization_id","base")
);
--> statement-breakpoint
ALTER TABLE "task_slug_counters" ADD CONSTRAINT "task_slug_counters_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;