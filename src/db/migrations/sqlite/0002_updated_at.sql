-- updated_at was declared on the created_at column by mistake. SQLite cannot add a column whose
-- default is an expression, so the column gets a constant default (the services always write it)
-- and existing rows take their creation time.
ALTER TABLE `organizations` ADD `updated_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tasks` ADD `updated_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `updated_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `organizations` SET `updated_at` = `created_at`;--> statement-breakpoint
UPDATE `tasks` SET `updated_at` = `created_at`;--> statement-breakpoint
UPDATE `users` SET `updated_at` = `created_at`;
