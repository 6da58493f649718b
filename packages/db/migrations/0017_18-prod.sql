CREATE TABLE "anonymous_rate_limit_counters" (
	"bucket" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_seconds" integer NOT NULL,
	"hits" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "anonymous_rate_limit_counters_bucket_window_start_pk" PRIMARY KEY("bucket","window_start")
);
--> statement-breakpoint
CREATE INDEX "anonymous_rate_limit_counters_window_idx" ON "anonymous_rate_limit_counters" USING btree ("window_start");--> statement-breakpoint
-- Not a tenant table (no org_id, no row-level security): counters of anonymous requests by address.
GRANT SELECT, INSERT, UPDATE, DELETE ON "anonymous_rate_limit_counters" TO cdp_app;
