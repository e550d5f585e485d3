ALTER TABLE `account_incidents` ADD `account` text DEFAULT 'useapi' NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `upstream` text DEFAULT 'useapi-midjourney' NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `account` text DEFAULT 'useapi' NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `scope` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `reading` text;--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_upstream_account` (
	`account` text PRIMARY KEY DEFAULT 'useapi' NOT NULL,
	`problem` text,
	`since` integer,
	`next_probe_at` integer
);
--> statement-breakpoint
INSERT INTO `__new_upstream_account`("account", "problem", "since", "next_probe_at") SELECT 'useapi', "problem", "since", "next_probe_at" FROM `upstream_account`;--> statement-breakpoint
DROP TABLE `upstream_account`;--> statement-breakpoint
ALTER TABLE `__new_upstream_account` RENAME TO `upstream_account`;--> statement-breakpoint
PRAGMA foreign_keys=ON;