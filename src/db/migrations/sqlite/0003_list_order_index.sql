DROP INDEX `tasks_org_created_idx`;--> statement-breakpoint
CREATE INDEX `tasks_org_created_idx` ON `tasks` (`organization_id`,`created_at`,`id`);