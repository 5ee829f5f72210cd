CREATE TABLE `image_labels` (
	`image_id` text NOT NULL,
	`label` text NOT NULL,
	`object_count` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`image_id`, `label`),
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `image_labels_label_created_at_idx` ON `image_labels` (`label`,`created_at`,`image_id`);--> statement-breakpoint
CREATE TABLE `image_status_counts` (
	`status` text PRIMARY KEY NOT NULL,
	`image_count` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `label_counts` (
	`label` text PRIMARY KEY NOT NULL,
	`image_count` integer NOT NULL,
	`object_count` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `pending_blobs` (
	`storage_key` text PRIMARY KEY NOT NULL,
	`purpose` text NOT NULL,
	`owner` text NOT NULL,
	`token` text NOT NULL,
	`created_at` integer NOT NULL,
	`due_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `pending_blobs_due_at_idx` ON `pending_blobs` (`due_at`);--> statement-breakpoint
CREATE INDEX `images_status_created_at_id_idx` ON `images` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `images_current_run_id_idx` ON `images` (`current_run_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `images_storage_key_idx` ON `images` (`storage_key`);