-- The caller check (farm_erp.callers) is the first statement of every signed-in request and of every authorizer
-- invocation. Sent as a plain statement it was planned every time: statements are never prepared, because a
-- prepared statement pins the client to its server connection in RDS Proxy. Planning was about 0.15 ms of its
-- 0.5 ms. A statement inside a PL/pgSQL function keeps its plan in the server session for later calls, whichever
-- client makes them, and that cache is invisible to the client, so nothing pins.
--
-- Same rows and conditions as the statement it replaces. The live-session condition is the one of
-- farm_erp.sessions.LIVE_SQL; tests/integration/test_caller_check.py compares the two on sessions in every state.
-- Every column is qualified: the output columns are variables inside the function.

CREATE FUNCTION live_caller(p_session_id bigint, p_user_id bigint, p_now timestamptz, p_idle_since timestamptz)
RETURNS TABLE (
    user_id bigint,
    email text,
    must_change_password boolean,
    role text,
    is_admin boolean,
    grants json,
    active_modules text[]
)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT u.id, u.email, u.must_change_password, r.key, r.is_admin,
           COALESCE((SELECT json_object_agg(g.module_key, g.access)
                       FROM user_module_grants g WHERE g.user_id = u.id), '{}'::json),
           ARRAY(SELECT m.key FROM modules m WHERE m.is_active ORDER BY m.key)
      FROM sessions s
      JOIN users u ON u.id = s.user_id
      JOIN roles r ON r.id = u.role_id
     WHERE s.id = p_session_id AND s.user_id = p_user_id AND u.is_active
       AND s.revoked_at IS NULL AND s.expires_at > p_now AND s.last_activity_at > p_idle_since;
END $$;
