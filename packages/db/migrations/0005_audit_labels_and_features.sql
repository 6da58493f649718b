ALTER TABLE "audit_events" ADD COLUMN "resource_label" text;--> statement-breakpoint
-- The request's actor carries its organization's feature flags, so a switched-off feature answers
-- 403 without another round trip. The return type changes, hence DROP and CREATE.
DROP FUNCTION app_session_actor(uuid, uuid, uuid, integer);
--> statement-breakpoint
CREATE FUNCTION app_session_actor(p_session uuid, p_user uuid, p_org uuid, p_idle_limit_seconds integer)
RETURNS TABLE (
  revoked boolean,
  expired boolean,
  idle_seconds double precision,
  user_id uuid,
  email text,
  name text,
  user_status text,
  must_change_password boolean,
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
  SELECT s.revoked_at IS NOT NULL,
         s.expires_at <= now(),
         extract(epoch FROM now() - s.last_activity_at)::float8,
         u.id, u.email, u.name, u.status, u.must_change_password,
         o.id, o.code, o.name, o.kind, o.status, o.features,
         coalesce((
           SELECT json_agg(json_build_object(
             'roleKey', r.key, 'roleName', r.name, 'studyId', ra.study_id,
             'expiresAt', ra.expires_at, 'permissions', r.permissions))
           FROM role_assignments ra JOIN roles r ON r.id = ra.role_id
           WHERE ra.user_id = u.id AND ra.org_id = o.id
             AND (ra.expires_at IS NULL OR ra.expires_at > now())
         ), '[]'::json)
  FROM sessions s
  JOIN users u ON u.id = s.user_id AND u.org_id = s.org_id
  JOIN organizations o ON o.id = s.org_id
  WHERE s.id = p_session AND s.user_id = p_user AND s.org_id = p_org;

  UPDATE sessions SET last_activity_at = now()
  WHERE id = p_session AND user_id = p_user AND org_id = p_org
    AND revoked_at IS NULL AND expires_at > now()
    AND now() - last_activity_at > interval '30 seconds'
    AND now() - last_activity_at <= make_interval(secs => p_idle_limit_seconds);
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_session_actor(uuid, uuid, uuid, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_session_actor(uuid, uuid, uuid, integer) TO cdp_app;
