CREATE TABLE `task_slug_counters` (
	`organization_id` text NOT NULL,
	`base` text NOT NULL,
	`last_suffix` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `base`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
