CREATE TABLE "detection_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"image_id" text NOT NULL,
	"model_name" text NOT NULL,
	"model_version" text,
	"score_threshold" double precision,
	"status" text NOT NULL,
	"error" text,
	"object_count" integer DEFAULT 0 NOT NULL,
	"attempts" integer NOT NULL,
	"inference_ms" double precision NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "image_labels" (
	"image_id" text NOT NULL,
	"label" text NOT NULL,
	"object_count" integer NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "image_labels_pk" PRIMARY KEY("image_id","label")
);
--> statement-breakpoint
CREATE TABLE "image_status_counts" (
	"status" text PRIMARY KEY NOT NULL,
	"image_count" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "images" (
	"id" text PRIMARY KEY NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"size_bytes" integer NOT NULL,
	"storage_key" text NOT NULL,
	"source_url" text,
	"status" text NOT NULL,
	"error" text,
	"current_run_id" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "label_counts" (
	"label" text PRIMARY KEY NOT NULL,
	"image_count" integer NOT NULL,
	"object_count" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "objects" (
	"id" text PRIMARY KEY NOT NULL,
	"image_id" text NOT NULL,
	"run_id" text NOT NULL,
	"class_id" integer NOT NULL,
	"label" text NOT NULL,
	"score" double precision NOT NULL,
	"x_min" integer NOT NULL,
	"y_min" integer NOT NULL,
	"x_max" integer NOT NULL,
	"y_max" integer NOT NULL,
	"centroid_x" double precision NOT NULL,
	"centroid_y" double precision NOT NULL,
	"radius" double precision NOT NULL,
	"rank" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pending_blobs" (
	"storage_key" text PRIMARY KEY NOT NULL,
	"purpose" text NOT NULL,
	"owner" text NOT NULL,
	"token" text NOT NULL,
	"created_at" bigint NOT NULL,
	"due_at" bigint NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
ALTER TABLE "detection_runs" ADD CONSTRAINT "detection_runs_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "image_labels" ADD CONSTRAINT "image_labels_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_current_run_id_detection_runs_id_fk" FOREIGN KEY ("current_run_id") REFERENCES "public"."detection_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "objects" ADD CONSTRAINT "objects_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "objects" ADD CONSTRAINT "objects_run_id_detection_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."detection_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "detection_runs_image_id_idx" ON "detection_runs" USING btree ("image_id","created_at");--> statement-breakpoint
CREATE INDEX "image_labels_label_created_at_idx" ON "image_labels" USING btree ("label","created_at","image_id");--> statement-breakpoint
CREATE INDEX "images_created_at_id_idx" ON "images" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "images_status_created_at_id_idx" ON "images" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "images_current_run_id_idx" ON "images" USING btree ("current_run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "images_storage_key_idx" ON "images" USING btree ("storage_key");--> statement-breakpoint
CREATE INDEX "objects_image_id_rank_idx" ON "objects" USING btree ("image_id","rank");--> statement-breakpoint
CREATE INDEX "objects_run_id_idx" ON "objects" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "pending_blobs_due_at_idx" ON "pending_blobs" USING btree ("due_at");