CREATE TABLE `deployment_events` (
	`id` text PRIMARY KEY NOT NULL,
	`deployment_name` text NOT NULL,
	`action` text NOT NULL,
	`version` text,
	`detail` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`deployment_name`) REFERENCES `deployments`(`name`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `deployment_events_deployment_name_at_idx` ON `deployment_events` (`deployment_name`,`at`);--> statement-breakpoint
CREATE TABLE `deployments` (
	`name` text PRIMARY KEY NOT NULL,
	`phase` text NOT NULL,
	`stable_version` text,
	`canary_version` text,
	`canary_percent` integer,
	`previous_version` text,
	`rollout_version` text,
	`rollout_canary_percent` integer,
	`rollout_deadline_at` integer,
	`min_replicas` integer NOT NULL,
	`max_replicas` integer NOT NULL,
	`target_concurrency` integer NOT NULL,
	`failure_reason` text,
	`message` text NOT NULL,
	`generation` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`last_transition_at` integer NOT NULL
);
