CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"study_ids" jsonb,
	"expires_at" timestamp with time zone,
	"hourly_limit" integer DEFAULT 1000 NOT NULL,
	"daily_limit" integer DEFAULT 10000 NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"last_used_ip" text,
	"revoked_at" timestamp with time zone,
	"revoked_by" uuid,
	"revoke_reason" text
);
--> statement-breakpoint
CREATE TABLE "rate_limit_counters" (
	"org_id" uuid NOT NULL,
	"bucket" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_seconds" integer NOT NULL,
	"hits" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "rate_limit_counters_bucket_window_start_pk" PRIMARY KEY("bucket","window_start")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_revoked_by_users_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rate_limit_counters" ADD CONSTRAINT "rate_limit_counters_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "api_keys" USING btree ("secret_hash");--> statement-breakpoint
CREATE INDEX "api_keys_org_idx" ON "api_keys" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "rate_limit_counters_window_idx" ON "rate_limit_counters" USING btree ("window_start");--> statement-breakpoint
ALTER TABLE "api_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "api_keys" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
ALTER TABLE "rate_limit_counters" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "rate_limit_counters" USING (app_is_system() OR org_id = app_org_id()) WITH CHECK (app_is_system() OR org_id = app_org_id());--> statement-breakpoint
-- Keys are revoked, never deleted: the audit trail names them.
GRANT SELECT, INSERT, UPDATE ON "api_keys" TO cdp_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "rate_limit_counters" TO cdp_app;
--> statement-breakpoint
-- An API key's request: the key is found by the hash of its secret before the tenant is known, so
-- this runs as definer (like app_session_actor). One round trip returns the key, its organization
-- and its creator's current grants; last use is written at most once a minute, not per request.
CREATE FUNCTION app_api_key_actor(p_hash text, p_ip text)
RETURNS TABLE (
  key_id uuid,
  key_name text,
  scopes jsonb,
  study_ids jsonb,
  expires_at timestamptz,
  expired boolean,
  revoked_at timestamptz,
  hourly_limit integer,
  daily_limit integer,
  user_id uuid,
  email text,
  name text,
  user_status text,
  org_id uuid,
  org_code text,
  org_name text,
  org_kind text,
  org_status text,
  org_features jsonb,
  grants json
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT k.id, k.name, k.scopes, k.study_ids, k.expires_at,
         k.expires_at IS NOT NULL AND k.expires_at <= now(),
         k.revoked_at, k.hourly_limit, k.daily_limit,
         u.id, u.email, u.name, u.status,
         o.id, o.code, o.name, o.kind, o.status, o.features,
         coalesce((
           SELECT json_agg(json_build_object(
             'roleKey', r.key, 'roleName', r.name, 'studyId', ra.study_id,
             'expiresAt', ra.expires_at, 'permissions', r.permissions))
           FROM role_assignments ra JOIN roles r ON r.id = ra.role_id
           WHERE ra.user_id = u.id AND ra.org_id = o.id
             AND (ra.expires_at IS NULL OR ra.expires_at > now())
         ), '[]'::json)
  FROM api_keys k
  JOIN users u ON u.id = k.created_by AND u.org_id = k.org_id
  JOIN organizations o ON o.id = k.org_id
  WHERE k.secret_hash = p_hash;

  UPDATE api_keys SET last_used_at = now(), last_used_ip = p_ip
  WHERE secret_hash = p_hash AND revoked_at IS NULL
    AND (last_used_at IS NULL OR now() - last_used_at > interval '60 seconds'
         OR last_used_ip IS DISTINCT FROM p_ip);
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_api_key_actor(text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_api_key_actor(text, text) TO cdp_app;
--> statement-breakpoint
-- Counts one request against each bucket's current fixed window in one atomic upsert, and answers
-- the counts with the seconds left in each window. Buckets carry the key's or user's id, so one
-- organization's calls never count against another's.
CREATE FUNCTION app_rate_limit_hit(p_org uuid, p_buckets text[], p_seconds integer[])
RETURNS TABLE (bucket text, hits integer, reset_seconds integer)
LANGUAGE sql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
  WITH w AS (
    SELECT b, s, to_timestamp(floor(extract(epoch FROM now()) / s) * s) AS ws
    FROM unnest(p_buckets, p_seconds) AS t(b, s)
  ), up AS (
    INSERT INTO rate_limit_counters AS c (org_id, bucket, window_start, window_seconds, hits)
    SELECT p_org, b, ws, s, 1 FROM w
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = c.hits + 1
    RETURNING c.bucket, c.hits, c.window_start, c.window_seconds
  )
  SELECT up.bucket, up.hits,
         greatest(1, ceil(extract(epoch FROM up.window_start + make_interval(secs => up.window_seconds) - now())))::int
  FROM up
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_rate_limit_hit(uuid, text[], integer[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_rate_limit_hit(uuid, text[], integer[]) TO cdp_app;
