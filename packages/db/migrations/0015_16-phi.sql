CREATE TABLE "phi_access_log" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"study_id" uuid NOT NULL,
	"user_id" uuid,
	"api_key_id" uuid,
	"ip" text,
	"user_agent" text,
	"dataset" text NOT NULL,
	"columns" jsonb NOT NULL,
	"rows" integer NOT NULL,
	"route" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "phi_columns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"study_id" uuid NOT NULL,
	"dataset" text NOT NULL,
	"column" text NOT NULL,
	"classification" text NOT NULL,
	"confirmed_by" uuid,
	"confirmed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "phi_columns_study_column" UNIQUE("org_id","study_id","dataset","column")
);
--> statement-breakpoint
ALTER TABLE "phi_access_log" ADD CONSTRAINT "phi_access_log_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phi_access_log" ADD CONSTRAINT "phi_access_log_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phi_access_log" ADD CONSTRAINT "phi_access_log_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phi_columns" ADD CONSTRAINT "phi_columns_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phi_columns" ADD CONSTRAINT "phi_columns_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phi_columns" ADD CONSTRAINT "phi_columns_confirmed_by_users_id_fk" FOREIGN KEY ("confirmed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "phi_access_log_org_created" ON "phi_access_log" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "phi_access_log_org_user" ON "phi_access_log" USING btree ("org_id","user_id","created_at");--> statement-breakpoint
ALTER TABLE "phi_columns" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "phi_columns" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
-- The PHI access log is append-only, as the audit trail is: read and append per tenant, and a
-- trigger refuses UPDATE, DELETE and TRUNCATE to every role, owner included.
ALTER TABLE "phi_access_log" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_read ON "phi_access_log" FOR SELECT USING (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
CREATE POLICY tenant_append ON "phi_access_log" FOR INSERT WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
CREATE FUNCTION phi_access_log_reject_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION 'phi_access_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER phi_access_log_append_only BEFORE UPDATE OR DELETE ON "phi_access_log"
  FOR EACH ROW EXECUTE FUNCTION phi_access_log_reject_change();--> statement-breakpoint
CREATE TRIGGER phi_access_log_no_truncate BEFORE TRUNCATE ON "phi_access_log"
  FOR EACH STATEMENT EXECUTE FUNCTION phi_access_log_reject_change();--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "phi_columns" TO cdp_app;--> statement-breakpoint
GRANT SELECT, INSERT ON "phi_access_log" TO cdp_app;
