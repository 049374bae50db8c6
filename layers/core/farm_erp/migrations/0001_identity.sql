-- Identity, access, sessions, audit and platform tables (docs/rules.md: Identity and access).

CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TABLE roles (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key           text NOT NULL UNIQUE CHECK (key IN ('admin', 'user')),
    name          text NOT NULL,
    is_admin      boolean NOT NULL,
    max_sessions  integer NOT NULL CHECK (max_sessions BETWEEN 1 AND 20),
    created_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO roles (key, name, is_admin, max_sessions) VALUES
    ('admin', 'Administrator', true, 5),
    ('user', 'User', false, 1);

CREATE TABLE users (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email                  text NOT NULL CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 255),
    full_name              text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 255),
    role_id                bigint NOT NULL REFERENCES roles (id),
    is_active              boolean NOT NULL DEFAULT true,
    password_hash          text,
    must_change_password   boolean NOT NULL DEFAULT false,
    failed_login_attempts  integer NOT NULL DEFAULT 0 CHECK (failed_login_attempts >= 0),
    locked_until           timestamptz,
    last_password_change   timestamptz,
    last_login_at          timestamptz,
    created_by             bigint REFERENCES users (id),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE modules (
    key            text PRIMARY KEY CHECK (key IN ('dashboard', 'inventory', 'biofloc', 'admin')),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description    text,
    icon           text,
    display_order  integer NOT NULL DEFAULT 0 CHECK (display_order >= 0),
    is_active      boolean NOT NULL DEFAULT true,
    grantable      boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER modules_updated_at BEFORE UPDATE ON modules FOR EACH ROW EXECUTE FUNCTION set_updated_at();
INSERT INTO modules (key, name, description, icon, display_order, grantable) VALUES
    ('dashboard', 'Dashboard', 'Home page and farm overview', 'home', 0, false),
    ('inventory', 'Inventory', 'Items, stock lots, purchase orders and suppliers', 'package', 10, true),
    ('biofloc', 'Biofloc', 'Fish tanks, batches, feeding, water quality and harvests', 'fish', 20, true),
    ('admin', 'Administration', 'Users, permissions, modules and audit', 'settings', 90, false);

CREATE TABLE user_module_grants (
    user_id     bigint NOT NULL REFERENCES users (id),
    module_key  text NOT NULL REFERENCES modules (key),
    access      text NOT NULL CHECK (access IN ('read', 'write')),
    granted_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, module_key)
);
-- Only grantable modules may be granted: enforced here too, not only in code.
CREATE FUNCTION check_grantable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM modules WHERE key = NEW.module_key AND grantable) THEN
        RAISE EXCEPTION 'module % is not grantable', NEW.module_key USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER user_module_grants_grantable BEFORE INSERT OR UPDATE ON user_module_grants
    FOR EACH ROW EXECUTE FUNCTION check_grantable();

CREATE TABLE sessions (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id           bigint NOT NULL REFERENCES users (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_activity_at  timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    ip                text,
    user_agent        text,
    revoked_at        timestamptz,
    revoked_reason    text CHECK (revoked_reason IN ('logout', 'self_revoked', 'admin_revoked', 'session_limit',
                          'refresh_reuse', 'password_change', 'password_reset', 'user_deactivated', 'role_changed')),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX sessions_user_idx ON sessions (user_id, last_activity_at DESC) WHERE revoked_at IS NULL;
CREATE INDEX sessions_created_idx ON sessions (created_at DESC, id DESC);

CREATE TABLE refresh_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id  bigint NOT NULL REFERENCES sessions (id),
    token_hash  text NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

CREATE TABLE login_history (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          bigint REFERENCES users (id),
    email_attempted  text NOT NULL,
    ip               text,
    user_agent       text,
    status           text NOT NULL CHECK (status IN ('success', 'failed', 'locked')),
    failure_reason   text,
    is_new_device    boolean NOT NULL DEFAULT false,
    is_new_ip        boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_history_user_idx ON login_history (user_id, created_at DESC, id DESC);
CREATE INDEX login_history_created_idx ON login_history (created_at DESC, id DESC);

CREATE TABLE password_reset_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    token_hash  text NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_reset_tokens_user_idx ON password_reset_tokens (user_id) WHERE used_at IS NULL;

CREATE TABLE activity_logs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint REFERENCES users (id),
    actor_email  text,
    actor_role   text,
    session_id   bigint,
    ip           text,
    user_agent   text,
    action       text NOT NULL,
    module_key   text,
    entity_type  text,
    entity_id    text,
    success      boolean NOT NULL DEFAULT true,
    description  text,
    metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_logs_user_idx ON activity_logs (user_id, created_at DESC, id DESC);
CREATE INDEX activity_logs_module_idx ON activity_logs (module_key, created_at DESC, id DESC);
CREATE INDEX activity_logs_action_idx ON activity_logs (action, created_at DESC, id DESC);
CREATE INDEX activity_logs_created_idx ON activity_logs (created_at DESC, id DESC);
CREATE FUNCTION reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER activity_logs_append_only BEFORE UPDATE OR DELETE ON activity_logs
    FOR EACH ROW EXECUTE FUNCTION reject_change();

CREATE TABLE idempotency_keys (
    user_id       bigint NOT NULL,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash  text NOT NULL,
    status_code   integer,
    response      text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE TABLE rate_limit_buckets (
    bucket        text NOT NULL,
    window_start  timestamptz NOT NULL,
    count         integer NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_buckets_window_idx ON rate_limit_buckets (window_start);

CREATE TABLE job_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job             text NOT NULL,
    scheduled_time  timestamptz NOT NULL,
    status          text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    result          jsonb,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job, scheduled_time)
);
CREATE INDEX job_runs_job_idx ON job_runs (job, scheduled_time DESC);
