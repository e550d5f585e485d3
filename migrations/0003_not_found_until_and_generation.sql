ALTER TABLE `jobs` ADD `not_found_until` integer;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `generation` integer DEFAULT 0 NOT NULL;