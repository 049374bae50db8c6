"""The auth function: sign-in, token rotation, sign-out, own profile and sessions, password flows (/auth).

Choices beyond docs/rules.md:
- Activity rows are written with module_key NULL: /auth is not a module of the catalogue (dashboard,
  inventory, biofloc, admin). Every action starts with "auth.": auth.login.success, auth.login.failed,
  auth.lockout, auth.session.refresh, auth.session.revoke (metadata {reason, session_ids}), auth.logout,
  auth.profile.update, auth.password.change, auth.password.forgot, auth.password.reset.
- GET /auth/sessions lists live sessions by default; `?live_only=false` lists every own session, each
  with `status` (live, revoked, expired, idle) and its revocation reason.
- DELETE /auth/sessions/{id} on an own session that is already revoked is a 204 that changes nothing.
- A change-password lockout (5th wrong current password) revokes the sessions with reason
  `password_change`, the closest of the fixed reasons; while the account is locked no current
  password is accepted on change-password.
- A password change lapses the current session's older refresh tokens (expired, not "used", so the
  client's stale copy is a plain 401 and not a reuse that would revoke the session).
- login_history is_new_device / is_new_ip are computed for every attempt of a known user, against that
  user's earlier successful logins only.
"""
