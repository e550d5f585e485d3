CREATE TABLE `jobs` (
	`job_id` text PRIMARY KEY NOT NULL,
	`status` text,
	`progress` integer,
	`problem` text,
	`terminal` integer DEFAULT false NOT NULL,
	`payload` text,
	`version` integer DEFAULT 1 NOT NULL,
	`next_poll_at` integer,
	`error_streak` integer DEFAULT 0 NOT NULL,
	`last_http_status` integer,
	`tracked_at` integer NOT NULL,
	`finished_at` integer,
	`upstream_updated` text,
	`upstream_moved_at` integer,
	`not_found_since` integer
);
--> statement-breakpoint
CREATE INDEX `jobs_due_idx` ON `jobs` (`next_poll_at`) WHERE "jobs"."terminal" = 0;--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`subscription_id` integer,
	`user_id` text,
	`payload` text,
	`state` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`sent_at` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`subscription_id`) REFERENCES `subscriptions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_dedupe_key_unique` ON `outbox` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `outbox_due_idx` ON `outbox` (`next_attempt_at`) WHERE "outbox"."state" = 'pending';--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_id` text NOT NULL,
	`user_id` text NOT NULL,
	`guild_id` text,
	`channel_id` text NOT NULL,
	`message_id` text,
	`dm` integer NOT NULL,
	`rendered_version` integer DEFAULT 0 NOT NULL,
	`state` text DEFAULT 'active' NOT NULL,
	`lost_reason` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`job_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscriptions_user_job_uq` ON `subscriptions` (`user_id`,`job_id`);--> statement-breakpoint
CREATE INDEX `subscriptions_active_job_idx` ON `subscriptions` (`job_id`) WHERE "subscriptions"."state" = 'active';--> statement-breakpoint
CREATE INDEX `subscriptions_user_idx` ON `subscriptions` (`user_id`,`state`);--> statement-breakpoint
CREATE TABLE `upstream_account` (
	`id` integer PRIMARY KEY NOT NULL,
	`problem` text,
	`since` integer,
	`next_probe_at` integer
);
