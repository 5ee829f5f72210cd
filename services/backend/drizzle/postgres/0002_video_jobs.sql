CREATE TABLE "video_frames" (
	"video_id" text NOT NULL,
	"frame_index" integer NOT NULL,
	"timestamp_ms" integer NOT NULL,
	"objects" text NOT NULL,
	CONSTRAINT "video_frames_pk" PRIMARY KEY("video_id","frame_index")
);
--> statement-breakpoint
CREATE TABLE "video_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"video_id" text NOT NULL,
	"state" text NOT NULL,
	"model" text NOT NULL,
	"score_threshold" double precision,
	"sample_fps" double precision,
	"every_nth_frame" integer,
	"frames_total" integer NOT NULL,
	"frames_done" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_owner" text,
	"lease_expires_at" bigint,
	"error" text,
	"created_at" bigint NOT NULL,
	"started_at" bigint,
	"finished_at" bigint,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "video_tracks" (
	"video_id" text NOT NULL,
	"track_id" integer NOT NULL,
	"label" text NOT NULL,
	"first_ms" integer NOT NULL,
	"last_ms" integer NOT NULL,
	"frames_seen" integer NOT NULL,
	"best_score" double precision NOT NULL,
	"path" text NOT NULL,
	CONSTRAINT "video_tracks_pk" PRIMARY KEY("video_id","track_id")
);
--> statement-breakpoint
CREATE TABLE "videos" (
	"id" text PRIMARY KEY NOT NULL,
	"filename" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"storage_key" text NOT NULL,
	"annotated_storage_key" text,
	"source_url" text,
	"container" text NOT NULL,
	"codec" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"fps" double precision NOT NULL,
	"duration_seconds" double precision NOT NULL,
	"frame_count" integer NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "video_frames" ADD CONSTRAINT "video_frames_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "video_jobs" ADD CONSTRAINT "video_jobs_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "video_tracks" ADD CONSTRAINT "video_tracks_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "video_frames_video_id_timestamp_idx" ON "video_frames" USING btree ("video_id","timestamp_ms");--> statement-breakpoint
CREATE INDEX "video_jobs_state_created_at_idx" ON "video_jobs" USING btree ("state","created_at");--> statement-breakpoint
CREATE INDEX "video_jobs_video_id_idx" ON "video_jobs" USING btree ("video_id");--> statement-breakpoint
CREATE INDEX "videos_created_at_id_idx" ON "videos" USING btree ("created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "videos_storage_key_idx" ON "videos" USING btree ("storage_key");--> statement-breakpoint
CREATE UNIQUE INDEX "videos_annotated_storage_key_idx" ON "videos" USING btree ("annotated_storage_key");