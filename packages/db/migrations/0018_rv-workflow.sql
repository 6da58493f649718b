CREATE TABLE "review_marks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"study_id" uuid NOT NULL,
	"dataset" text NOT NULL,
	"record_key" text NOT NULL,
	"key_values" jsonb NOT NULL,
	"usubjid" text NOT NULL,
	"action" text NOT NULL,
	"content_sha256" text,
	"data_version_id" uuid NOT NULL,
	"snapshot" jsonb,
	"comment" text,
	"user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "review_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"thread_id" uuid NOT NULL,
	"user_id" uuid,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "review_threads" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"study_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"usubjid" text NOT NULL,
	"dataset" text,
	"record_key" text,
	"title" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"assigned_to" uuid,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "review_marks" ADD CONSTRAINT "review_marks_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_marks" ADD CONSTRAINT "review_marks_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_marks" ADD CONSTRAINT "review_marks_data_version_id_data_versions_id_fk" FOREIGN KEY ("data_version_id") REFERENCES "public"."data_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_marks" ADD CONSTRAINT "review_marks_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_messages" ADD CONSTRAINT "review_messages_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_messages" ADD CONSTRAINT "review_messages_thread_id_review_threads_id_fk" FOREIGN KEY ("thread_id") REFERENCES "public"."review_threads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_messages" ADD CONSTRAINT "review_messages_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_threads" ADD CONSTRAINT "review_threads_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_threads" ADD CONSTRAINT "review_threads_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_threads" ADD CONSTRAINT "review_threads_assigned_to_users_id_fk" FOREIGN KEY ("assigned_to") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_threads" ADD CONSTRAINT "review_threads_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "review_marks_record" ON "review_marks" USING btree ("org_id","study_id","dataset","record_key","created_at");--> statement-breakpoint
CREATE INDEX "review_marks_subject" ON "review_marks" USING btree ("org_id","study_id","usubjid");--> statement-breakpoint
CREATE INDEX "review_messages_thread" ON "review_messages" USING btree ("thread_id","created_at");--> statement-breakpoint
CREATE INDEX "review_threads_study" ON "review_threads" USING btree ("org_id","study_id","status");--> statement-breakpoint
CREATE INDEX "review_threads_subject" ON "review_threads" USING btree ("org_id","study_id","usubjid");--> statement-breakpoint
-- Threads change status and assignee (each change audited); the tenant reads and writes its own.
ALTER TABLE review_threads ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON review_threads USING (app_is_system() OR org_id = app_org_id())
  WITH CHECK (app_is_system() OR org_id = app_org_id());
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON review_threads TO cdp_app;
--> statement-breakpoint
-- Marks and messages are a record like the audit trail: read and appended by the tenant, never changed.
ALTER TABLE review_marks ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE review_messages ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_read ON review_marks FOR SELECT USING (app_is_system() OR org_id = app_org_id());
--> statement-breakpoint
CREATE POLICY tenant_append ON review_marks FOR INSERT WITH CHECK (app_is_system() OR org_id = app_org_id());
--> statement-breakpoint
CREATE POLICY tenant_read ON review_messages FOR SELECT USING (app_is_system() OR org_id = app_org_id());
--> statement-breakpoint
CREATE POLICY tenant_append ON review_messages FOR INSERT WITH CHECK (app_is_system() OR org_id = app_org_id());
--> statement-breakpoint
CREATE FUNCTION review_reject_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER review_marks_append_only BEFORE UPDATE OR DELETE ON review_marks
  FOR EACH ROW EXECUTE FUNCTION review_reject_change();
--> statement-breakpoint
CREATE TRIGGER review_marks_no_truncate BEFORE TRUNCATE ON review_marks
  FOR EACH STATEMENT EXECUTE FUNCTION review_reject_change();
--> statement-breakpoint
CREATE TRIGGER review_messages_append_only BEFORE UPDATE OR DELETE ON review_messages
  FOR EACH ROW EXECUTE FUNCTION review_reject_change();
--> statement-breakpoint
CREATE TRIGGER review_messages_no_truncate BEFORE TRUNCATE ON review_messages
  FOR EACH STATEMENT EXECUTE FUNCTION review_reject_change();
--> statement-breakpoint
GRANT SELECT, INSERT ON review_marks, review_messages TO cdp_app;
