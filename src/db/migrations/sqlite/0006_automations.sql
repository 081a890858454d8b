CREATE TABLE `automation_prompt_versions` (
	`automation_id` text NOT NULL,
	`version` integer NOT NULL,
	`prompt` text NOT NULL,
	`author_user_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`automation_id`, `version`),
	FOREIGN KEY (`automation_id`) REFERENCES `automations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`author_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `automation_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`automation_id` text NOT NULL,
	`organization_id` text NOT NULL,
	`trigger` text NOT NULL,
	`scheduled_for` integer NOT NULL,
	`covered_count` integer NOT NULL,
	`covered_until` integer,
	`title` text NOT NULL,
	`host_id` text,
	`host_registration_id` text,
	`workspace_id` text,
	`terminal_id` text,
	`status` text NOT NULL,
	`error` text,
	`exit_code` integer,
	`dispatched_at` integer,
	`started_at` integer,
	`finished_at` integer,
	`duration_ms` integer,
	`output` text,
	`output_tail` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`automation_id`) REFERENCES `automations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`host_registration_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `automation_runs_occurrence_idx` ON `automation_runs` (`automation_id`,`scheduled_for`) WHERE "automation_runs"."trigger" <> 'manual';--> statement-breakpoint
CREATE INDEX `automation_runs_automation_idx` ON `automation_runs` (`automation_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `automation_runs_status_idx` ON `automation_runs` (`status`);--> statement-breakpoint
CREATE TABLE `automations` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`owner_user_id` text NOT NULL,
	`name` text NOT NULL,
	`agent` text NOT NULL,
	`target_host_id` text,
	`project_id` text,
	`workspace_id` text,
	`prompt` text NOT NULL,
	`prompt_version` integer NOT NULL,
	`rrule` text NOT NULL,
	`dtstart` integer NOT NULL,
	`timezone` text NOT NULL,
	`enabled` integer NOT NULL,
	`next_run_at` integer,
	`next_run_local` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`owner_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `automations_due_idx` ON `automations` (`enabled`,`next_run_at`);--> statement-breakpoint
CREATE INDEX `automations_org_idx` ON `automations` (`organization_id`,`created_at`);