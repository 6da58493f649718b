CREATE TABLE "auth_version" (
	"id" integer PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL
);
--> statement-breakpoint
-- Not a tenant table: one global number, no organization's data (docs/decisions.md, "Actor cache").
INSERT INTO "auth_version" ("id", "version") VALUES (1, 1);
--> statement-breakpoint
GRANT SELECT ON "auth_version" TO cdp_app;
--> statement-breakpoint
-- Bumps the number API processes poll to empty their actor caches. Definer: the app may only read it.
CREATE FUNCTION app_bump_auth_version() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
BEGIN
  UPDATE auth_version SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_bump_auth_version() FROM PUBLIC;
--> statement-breakpoint
-- A session revoked, deleted or its expiry moved (not its activity touch, not a new sign-in).
CREATE TRIGGER auth_version_sessions AFTER UPDATE OF revoked_at, expires_at ON "sessions"
  FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at)
  EXECUTE FUNCTION app_bump_auth_version();
--> statement-breakpoint
CREATE TRIGGER auth_version_sessions_delete AFTER DELETE ON "sessions"
  FOR EACH STATEMENT EXECUTE FUNCTION app_bump_auth_version();
--> statement-breakpoint
-- What a user's actor is made of (not the sign-in counters).
CREATE TRIGGER auth_version_users AFTER UPDATE ON "users"
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
    OR OLD.must_change_password IS DISTINCT FROM NEW.must_change_password
    OR OLD.email IS DISTINCT FROM NEW.email OR OLD.name IS DISTINCT FROM NEW.name
    OR OLD.org_id IS DISTINCT FROM NEW.org_id)
  EXECUTE FUNCTION app_bump_auth_version();
--> statement-breakpoint
CREATE TRIGGER auth_version_users_delete AFTER DELETE ON "users"
  FOR EACH STATEMENT EXECUTE FUNCTION app_bump_auth_version();
--> statement-breakpoint
CREATE TRIGGER auth_version_organizations AFTER UPDATE OR DELETE ON "organizations"
  FOR EACH STATEMENT EXECUTE FUNCTION app_bump_auth_version();
--> statement-breakpoint
CREATE TRIGGER auth_version_roles AFTER INSERT OR UPDATE OR DELETE ON "roles"
  FOR EACH STATEMENT EXECUTE FUNCTION app_bump_auth_version();
--> statement-breakpoint
CREATE TRIGGER auth_version_role_assignments AFTER INSERT OR UPDATE OR DELETE ON "role_assignments"
  FOR EACH STATEMENT EXECUTE FUNCTION app_bump_auth_version();
--> statement-breakpoint
-- A key revoked or edited (not its last-use stamp).
CREATE TRIGGER auth_version_api_keys AFTER UPDATE ON "api_keys"
  FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.scopes IS DISTINCT FROM NEW.scopes
    OR OLD.study_ids IS DISTINCT FROM NEW.study_ids OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
    OR OLD.hourly_limit IS DISTINCT FROM NEW.hourly_limit OR OLD.daily_limit IS DISTINCT FROM NEW.daily_limit
    OR OLD.name IS DISTINCT FROM NEW.name OR OLD.created_by IS DISTINCT FROM NEW.created_by)
  EXECUTE FUNCTION app_bump_auth_version();
--> statement-breakpoint
CREATE TRIGGER auth_version_api_keys_delete AFTER DELETE ON "api_keys"
  FOR EACH STATEMENT EXECUTE FUNCTION app_bump_auth_version();
--> statement-breakpoint
-- Rate limits counted in memory and written in batches (apps/server/src/lib/rate-counter.ts): adds
-- each bucket's count to its window in one atomic upsert and answers the totals, so a process
-- learns what every process has counted. `app_rate_limit_hit` stays for one-at-a-time counting.
CREATE FUNCTION app_rate_limit_add(p_orgs uuid[], p_buckets text[], p_windows timestamptz[], p_seconds integer[], p_counts integer[])
RETURNS TABLE (bucket text, window_start timestamptz, hits integer, reset_seconds integer)
LANGUAGE sql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
  INSERT INTO rate_limit_counters AS c (org_id, bucket, window_start, window_seconds, hits)
  SELECT o, b, w, s, n FROM unnest(p_orgs, p_buckets, p_windows, p_seconds, p_counts) AS t(o, b, w, s, n)
  ORDER BY b, w
  ON CONFLICT (bucket, window_start) DO UPDATE SET hits = c.hits + excluded.hits
  RETURNING c.bucket, c.window_start, c.hits,
    greatest(1, ceil(extract(epoch FROM c.window_start + make_interval(secs => c.window_seconds) - now())))::int
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_rate_limit_add(uuid[], text[], timestamptz[], integer[], integer[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_rate_limit_add(uuid[], text[], timestamptz[], integer[], integer[]) TO cdp_app;
