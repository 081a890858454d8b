-- updated_at was declared on the created_at column by mistake; existing rows take their creation time.
ALTER TABLE "organizations" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
UPDATE "organizations" SET "updated_at" = "created_at";--> statement-breakpoint
UPDATE "tasks" SET "updated_at" = "created_at";--> statement-breakpoint
UPDATE "users" SET "updated_at" = "created_at";
