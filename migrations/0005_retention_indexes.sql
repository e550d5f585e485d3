CREATE INDEX `jobs_finished_idx` ON `jobs` (`finished_at`) WHERE "jobs"."terminal" = 1;--> statement-breakpoint
CREATE INDEX `outbox_subscription_idx` ON `outbox` (`subscription_id`);--> statement-breakpoint
CREATE INDEX `reviews_job_idx` ON `reviews` (`job_id`);--> statement-breakpoint
CREATE INDEX `subscriptions_job_idx` ON `subscriptions` (`job_id`);