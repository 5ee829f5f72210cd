CREATE TABLE `video_frames` (
	`video_id` text NOT NULL,
	`frame_index` integer NOT NULL,
	`timestamp_ms` integer NOT NULL,
	`objects` text NOT NULL,
	PRIMARY KEY(`video_id`, `frame_index`),
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `video_frames_video_id_timestamp_idx` ON `video_frames` (`video_id`,`timestamp_ms`);--> statement-breakpoint
CREATE TABLE `video_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`video_id` text NOT NULL,
	`state` text NOT NULL,
	`model` text NOT NULL,
	`score_threshold` real,
	`sample_fps` real,
	`every_nth_frame` integer,
	`frames_total` integer NOT NULL,
	`frames_done` integer DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`lease_owner` text,
	`lease_expires_at` integer,
	`error` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `video_jobs_state_created_at_idx` ON `video_jobs` (`state`,`created_at`);--> statement-breakpoint
CREATE INDEX `video_jobs_video_id_idx` ON `video_jobs` (`video_id`);--> statement-breakpoint
CREATE TABLE `video_tracks` (
	`video_id` text NOT NULL,
	`track_id` integer NOT NULL,
	`label` text NOT NULL,
	`first_ms` integer NOT NULL,
	`last_ms` integer NOT NULL,
	`frames_seen` integer NOT NULL,
	`best_score` real NOT NULL,
	`path` text NOT NULL,
	PRIMARY KEY(`video_id`, `track_id`),
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `videos` (
	`id` text PRIMARY KEY NOT NULL,
	`filename` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`storage_key` text NOT NULL,
	`annotated_storage_key` text,
	`source_url` text,
	`container` text NOT NULL,
	`codec` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`fps` real NOT NULL,
	`duration_seconds` real NOT NULL,
	`frame_count` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `videos_created_at_id_idx` ON `videos` (`created_at`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `videos_storage_key_idx` ON `videos` (`storage_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `videos_annotated_storage_key_idx` ON `videos` (`annotated_storage_key`);