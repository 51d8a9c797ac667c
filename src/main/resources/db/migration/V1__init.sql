-- Keys, teams, users, organizations and spend logs (SPEC §8). One dialect for H2 (PostgreSQL mode) and PostgreSQL.
-- JSON-ish columns are TEXT holding JSON. IF NOT EXISTS because H2 commits each DDL statement on its own: a start
-- that died half-way through this file re-runs it cleanly.

CREATE TABLE IF NOT EXISTS llmux_organizations (
    organization_id    VARCHAR(128) PRIMARY KEY,
    organization_alias VARCHAR(256),
    models             TEXT NOT NULL DEFAULT '[]',
    max_budget         DOUBLE PRECISION,
    budget_duration    VARCHAR(16),
    budget_reset_at    TIMESTAMP WITH TIME ZONE,
    spend              DOUBLE PRECISION NOT NULL DEFAULT 0,
    tpm_limit          BIGINT,
    rpm_limit          BIGINT,
    metadata           TEXT NOT NULL DEFAULT '{}',
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS llmux_teams (
    team_id               VARCHAR(128) PRIMARY KEY,
    team_alias            VARCHAR(256),
    organization_id       VARCHAR(128),
    models                TEXT NOT NULL DEFAULT '[]',
    max_budget            DOUBLE PRECISION,
    budget_duration       VARCHAR(16),
    budget_reset_at       TIMESTAMP WITH TIME ZONE,
    spend                 DOUBLE PRECISION NOT NULL DEFAULT 0,
    tpm_limit             BIGINT,
    rpm_limit             BIGINT,
    max_parallel_requests INT,
    metadata              TEXT NOT NULL DEFAULT '{}',
    blocked               BOOLEAN NOT NULL DEFAULT FALSE,
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at            TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX IF NOT EXISTS llmux_teams_organization_id ON llmux_teams (organization_id);

CREATE TABLE IF NOT EXISTS llmux_users (
    user_id               VARCHAR(128) PRIMARY KEY,
    user_email            VARCHAR(256),
    user_role             VARCHAR(32) NOT NULL DEFAULT 'internal_user',
    models                TEXT NOT NULL DEFAULT '[]',
    max_budget            DOUBLE PRECISION,
    budget_duration       VARCHAR(16),
    budget_reset_at       TIMESTAMP WITH TIME ZONE,
    spend                 DOUBLE PRECISION NOT NULL DEFAULT 0,
    tpm_limit             BIGINT,
    rpm_limit             BIGINT,
    max_parallel_requests INT,
    metadata              TEXT NOT NULL DEFAULT '{}',
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at            TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS llmux_team_members (
    team_id VARCHAR(128) NOT NULL,
    user_id VARCHAR(128) NOT NULL,
    role    VARCHAR(32) NOT NULL DEFAULT 'user',
    PRIMARY KEY (team_id, user_id)
);

-- a user's teams (/user/info) without scanning every membership
CREATE INDEX IF NOT EXISTS llmux_team_members_user_id ON llmux_team_members (user_id);

CREATE TABLE IF NOT EXISTS llmux_keys (
    token                 CHAR(64) PRIMARY KEY,
    key_name              VARCHAR(64) NOT NULL,
    key_alias             VARCHAR(256) UNIQUE,
    models                TEXT NOT NULL DEFAULT '[]',
    max_budget            DOUBLE PRECISION,
    soft_budget           DOUBLE PRECISION,
    budget_duration       VARCHAR(16),
    budget_reset_at       TIMESTAMP WITH TIME ZONE,
    spend                 DOUBLE PRECISION NOT NULL DEFAULT 0,
    tpm_limit             BIGINT,
    rpm_limit             BIGINT,
    max_parallel_requests INT,
    model_rpm_limit       TEXT NOT NULL DEFAULT '{}',
    model_tpm_limit       TEXT NOT NULL DEFAULT '{}',
    model_max_budget      TEXT NOT NULL DEFAULT '{}',
    model_spend           TEXT NOT NULL DEFAULT '{}',
    user_id               VARCHAR(128),
    team_id               VARCHAR(128),
    organization_id       VARCHAR(128),
    metadata              TEXT NOT NULL DEFAULT '{}',
    tags                  TEXT NOT NULL DEFAULT '[]',
    key_type              VARCHAR(16) NOT NULL DEFAULT 'default',
    expires               TIMESTAMP WITH TIME ZONE,
    blocked               BOOLEAN NOT NULL DEFAULT FALSE,
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at            TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX IF NOT EXISTS llmux_keys_user_id ON llmux_keys (user_id);
CREATE INDEX IF NOT EXISTS llmux_keys_team_id ON llmux_keys (team_id);

-- request_id as the key makes a retried batch idempotent: INSERT ... ON CONFLICT DO NOTHING
CREATE TABLE IF NOT EXISTS llmux_spend_logs (
    request_id        VARCHAR(128) PRIMARY KEY,
    api_key           CHAR(64),
    key_alias         VARCHAR(256),
    user_id           VARCHAR(128),
    team_id           VARCHAR(128),
    organization_id   VARCHAR(128),
    model             VARCHAR(256) NOT NULL,
    model_group       VARCHAR(256),
    deployment        VARCHAR(512),
    provider          VARCHAR(128),
    prompt_tokens     BIGINT NOT NULL DEFAULT 0,
    completion_tokens BIGINT NOT NULL DEFAULT 0,
    total_tokens      BIGINT NOT NULL DEFAULT 0,
    spend             DOUBLE PRECISION NOT NULL DEFAULT 0,
    cache_hit         BOOLEAN NOT NULL DEFAULT FALSE,
    status            INT NOT NULL,
    start_time        TIMESTAMP WITH TIME ZONE NOT NULL,
    end_time          TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX IF NOT EXISTS llmux_spend_logs_start_time ON llmux_spend_logs (start_time);
CREATE INDEX IF NOT EXISTS llmux_spend_logs_api_key ON llmux_spend_logs (api_key);
CREATE INDEX IF NOT EXISTS llmux_spend_logs_team_id ON llmux_spend_logs (team_id);
CREATE INDEX IF NOT EXISTS llmux_spend_logs_user_id ON llmux_spend_logs (user_id);
