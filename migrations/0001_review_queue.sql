CREATE TABLE `account_incidents` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`detail` text,
	`started_at` integer NOT NULL,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE TABLE `blocks` (
	`guild_id` text NOT NULL,
	`user_id` text NOT NULL,
	`blocked_by` text NOT NULL,
	`blocked_at` integer NOT NULL,
	`review_id` integer,
	PRIMARY KEY(`guild_id`, `user_id`),
	FOREIGN KEY (`review_id`) REFERENCES `reviews`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `guild_settings` (
	`guild_id` text PRIMARY KEY NOT NULL,
	`review_channel_id` text,
	`admin_role_id` text,
	`max_active_jobs_per_user` integer,
	`dm_default` integer,
	`updated_by` text,
	`updated_at` integer
);
--> statement-breakpoint
CREATE TABLE `review_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`review_id` integer NOT NULL,
	`at` integer NOT NULL,
	`actor_id` text,
	`action` text NOT NULL,
	`detail` text,
	FOREIGN KEY (`review_id`) REFERENCES `reviews`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `review_events_review_idx` ON `review_events` (`review_id`);--> statement-breakpoint
CREATE TABLE `reviews` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`job_id` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`created_at` integer NOT NULL,
	`acted_by` text,
	`acted_at` integer,
	`post_channel_id` text,
	`post_message_id` text,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`job_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reviews_guild_job_uq` ON `reviews` (`guild_id`,`job_id`);--> statement-breakpoint
CREATE INDEX `reviews_guild_idx` ON `reviews` (`guild_id`,`status`,`created_at`);--> statement-breakpoint
ALTER TABLE `outbox` ADD `channel_id` text;