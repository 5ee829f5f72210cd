-- Fills the tables added by 0001 from the rows of a database created before them (idempotent on an empty one).
INSERT INTO `image_labels` (`image_id`, `label`, `object_count`, `created_at`)
SELECT `objects`.`image_id`, lower(`objects`.`label`), count(*), `images`.`created_at`
FROM `objects` JOIN `images` ON `images`.`id` = `objects`.`image_id`
GROUP BY `objects`.`image_id`, lower(`objects`.`label`);
--> statement-breakpoint
INSERT INTO `label_counts` (`label`, `image_count`, `object_count`)
SELECT `label`, count(*), sum(`object_count`) FROM `image_labels` GROUP BY `label`;
--> statement-breakpoint
INSERT INTO `image_status_counts` (`status`, `image_count`)
SELECT `status`, count(*) FROM `images` GROUP BY `status`;
