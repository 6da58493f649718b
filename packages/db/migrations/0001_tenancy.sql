-- Tenancy, least privilege and the append-only audit trail.
--
-- The application connects as `cdp_app`: neither owner of these tables nor superuser, so the
-- row-level security below always applies to it. Each transaction names its tenant with
-- `SET LOCAL app.org_id = '<uuid>'`; with no tenant named, tenant tables show no rows at all.
-- A few trusted code paths (login, token refresh, the platform console, seeding) run with
-- `SET LOCAL app.system = 'on'` instead; see packages/db/src/client.ts.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cdp_app') THEN
    CREATE ROLE cdp_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;
--> statement-breakpoint
CREATE FUNCTION app_org_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.org_id', true), '')::uuid $$;
--> statement-breakpoint
CREATE FUNCTION app_is_system() RETURNS boolean
  LANGUAGE sql STABLE
  AS $$ SELECT coalesce(current_setting('app.system', true), '') = 'on' $$;
--> statement-breakpoint
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON organizations
  USING (app_is_system() OR id = app_org_id())
  WITH CHECK (app_is_system() OR id = app_org_id());
--> statement-breakpoint
-- System roles (org_id IS NULL) are readable by every tenant, writable by none.
ALTER TABLE roles ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON roles
  USING (app_is_system() OR org_id IS NULL OR org_id = app_org_id())
  WITH CHECK (app_is_system() OR org_id = app_org_id());
--> statement-breakpoint
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'studies', 'role_assignments', 'sessions', 'refresh_tokens', 'audit_heads']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I USING (app_is_system() OR org_id = app_org_id()) '
      'WITH CHECK (app_is_system() OR org_id = app_org_id())', t);
  END LOOP;
END
$$;
--> statement-breakpoint
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_read ON audit_events FOR SELECT
  USING (app_is_system() OR org_id = app_org_id());
--> statement-breakpoint
CREATE POLICY tenant_append ON audit_events FOR INSERT
  WITH CHECK (app_is_system() OR org_id = app_org_id());
--> statement-breakpoint
CREATE FUNCTION audit_events_reject_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change();
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO cdp_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, users, roles, studies, role_assignments,
  sessions, refresh_tokens, audit_heads TO cdp_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON audit_events TO cdp_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cdp_app;
--> statement-breakpoint
GRANT USAGE ON SCHEMA drizzle TO cdp_app;
--> statement-breakpoint
GRANT SELECT ON drizzle.__drizzle_migrations TO cdp_app;
