CREATE TABLE `detection_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`image_id` text NOT NULL,
	`model_name` text NOT NULL,
	`model_version` text,
	`score_threshold` real,
	`status` text NOT NULL,
	`error` text,
	`object_count` integer DEFAULT 0 NOT NULL,
	`attempts` integer NOT NULL,
	`inference_ms` real NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `detection_runs_image_id_idx` ON `detection_runs` (`image_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `images` (
	`id` text PRIMARY KEY NOT NULL,
	`filename` text NOT NULL,
	`content_type` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`size_bytes` integer NOT NULL,
	`storage_key` text NOT NULL,
	`source_url` text,
	`status` text NOT NULL,
	`error` text,
	`current_run_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`current_run_id`) REFERENCES `detection_runs`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `images_created_at_id_idx` ON `images` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `objects` (
	`id` text PRIMARY KEY NOT NULL,
	`image_id` text NOT NULL,
	`run_id` text NOT NULL,
	`class_id` integer NOT NULL,
	`label` text NOT NULL,
	`score` real NOT NULL,
	`x_min` integer NOT NULL,
	`y_min` integer NOT NULL,
	`x_max` integer NOT NULL,
	`y_max` integer NOT NULL,
	`centroid_x` real NOT NULL,
	`centroid_y` real NOT NULL,
	`radius` real NOT NULL,
	`rank` integer NOT NULL,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`run_id`) REFERENCES `detection_runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `objects_image_id_rank_idx` ON `objects` (`image_id`,`rank`);--> statement-breakpoint
CREATE INDEX `objects_run_id_idx` ON `objects` (`run_id`);