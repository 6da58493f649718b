CREATE TABLE "data_source_pull_logs" (
	"org_id" uuid NOT NULL,
	"pull_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"level" text NOT NULL,
	"message" text NOT NULL,
	CONSTRAINT "data_source_pull_logs_pull_id_seq_pk" PRIMARY KEY("pull_id","seq")
);
--> statement-breakpoint
CREATE TABLE "data_source_pulls" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"study_id" uuid NOT NULL,
	"source_id" uuid NOT NULL,
	"status" text NOT NULL,
	"trigger" text NOT NULL,
	"progress" jsonb,
	"message" text,
	"version_id" uuid,
	"activated" boolean DEFAULT false NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"requested_by" uuid,
	"worker_id" text,
	"heartbeat_at" timestamp with time zone,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"cancel_requested_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "data_sources" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"study_id" uuid NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"config" jsonb NOT NULL,
	"secret_ciphertext" text,
	"secret_set_at" timestamp with time zone,
	"schedule" jsonb,
	"schedule_fired_at" timestamp with time zone,
	"enabled" boolean DEFAULT true NOT NULL,
	"auto_activate" boolean DEFAULT false NOT NULL,
	"last_pull_status" text,
	"last_pull_at" timestamp with time zone,
	"last_pull_message" text,
	"last_success_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "data_source_pull_logs" ADD CONSTRAINT "data_source_pull_logs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_source_pull_logs" ADD CONSTRAINT "data_source_pull_logs_pull_id_data_source_pulls_id_fk" FOREIGN KEY ("pull_id") REFERENCES "public"."data_source_pulls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_source_pulls" ADD CONSTRAINT "data_source_pulls_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_source_pulls" ADD CONSTRAINT "data_source_pulls_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_source_pulls" ADD CONSTRAINT "data_source_pulls_source_id_data_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."data_sources"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_source_pulls" ADD CONSTRAINT "data_source_pulls_version_id_data_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."data_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_source_pulls" ADD CONSTRAINT "data_source_pulls_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_sources" ADD CONSTRAINT "data_sources_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_sources" ADD CONSTRAINT "data_sources_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_sources" ADD CONSTRAINT "data_sources_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "data_source_pulls_source" ON "data_source_pulls" USING btree ("source_id","queued_at");--> statement-breakpoint
CREATE UNIQUE INDEX "data_source_pulls_one_active" ON "data_source_pulls" USING btree ("source_id") WHERE "data_source_pulls"."status" in ('QUEUED', 'RUNNING');--> statement-breakpoint
CREATE INDEX "data_sources_study" ON "data_sources" USING btree ("study_id");--> statement-breakpoint
CREATE UNIQUE INDEX "data_sources_study_name" ON "data_sources" USING btree ("study_id","name") WHERE "data_sources"."deleted_at" is null;--> statement-breakpoint
ALTER TABLE "data_sources" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "data_sources" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
ALTER TABLE "data_source_pulls" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "data_source_pulls" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
ALTER TABLE "data_source_pull_logs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "data_source_pull_logs" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "data_sources", "data_source_pulls" TO cdp_app;--> statement-breakpoint
GRANT SELECT, INSERT ON "data_source_pull_logs" TO cdp_app;
