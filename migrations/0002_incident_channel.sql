ALTER TABLE `account_incidents` ADD `channel` text;--> statement-breakpoint
ALTER TABLE `account_incidents` ADD `last_seen_at` integer;