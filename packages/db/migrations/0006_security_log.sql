CREATE TABLE "login_throttles" (
	"user_id" uuid NOT NULL,
	"ip" text NOT NULL,
	"org_id" uuid NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "login_throttles_user_id_ip_pk" PRIMARY KEY("user_id","ip")
);
--> statement-breakpoint
CREATE TABLE "security_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "security_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"org_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"fingerprint" text NOT NULL,
	"count" integer DEFAULT 1 NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"actor_type" text,
	"actor_id" text,
	"actor_label" text,
	"actor_org_id" uuid,
	"ip" text,
	"user_agent" text,
	"method" text,
	"route" text,
	"status" integer,
	"target_org_id" uuid,
	"resource_type" text,
	"resource_ids" jsonb,
	"detail" jsonb,
	"redacted" boolean DEFAULT false NOT NULL,
	CONSTRAINT "security_events_window_key" UNIQUE("org_id","window_start","fingerprint")
);
--> statement-breakpoint
ALTER TABLE "login_throttles" ADD CONSTRAINT "login_throttles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "login_throttles" ADD CONSTRAINT "login_throttles_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "security_events" ADD CONSTRAINT "security_events_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "security_events_org_seen_idx" ON "security_events" USING btree ("org_id","last_seen_at");--> statement-breakpoint
ALTER TABLE "security_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "security_events" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
ALTER TABLE "login_throttles" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "login_throttles" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
-- Rows are only ever added to or counted up (aggregation), never deleted by the application.
GRANT SELECT, INSERT, UPDATE ON "security_events" TO cdp_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "login_throttles" TO cdp_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON SEQUENCE security_events_id_seq TO cdp_app;
