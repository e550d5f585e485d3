CREATE TABLE `job_media` (
	`job_id` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`note` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`job_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `media_files` (
	`job_id` text NOT NULL,
	`position` integer NOT NULL,
	`name` text NOT NULL,
	`content_type` text NOT NULL,
	`source_index` integer NOT NULL,
	`kind` text NOT NULL,
	`bytes` blob NOT NULL,
	PRIMARY KEY(`job_id`, `position`),
	FOREIGN KEY (`job_id`) REFERENCES `job_media`(`job_id`) ON UPDATE no action ON DELETE no action
);
